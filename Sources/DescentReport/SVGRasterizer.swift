import CRsvg
import Descent
import Foundation

/// Turns SVG documents into PNG files: librsvg parses and draws the document (text
/// through Pango with the system's fonts, anti-aliased paths, embedded
/// `<image href="data:image/png;base64,…">` pictures) onto a cairo surface, and cairo
/// encodes the PNG. Every picture of the report is drawn once, as SVG, and rasterised
/// here.
///
/// The document is fitted into `width × height` pixels the way a browser draws an
/// `<img>` of that size: its `viewBox` (or width and height) is scaled to fit, keeping
/// the aspect ratio, centred, on an opaque white background. The PNG is 8-bit RGB.
///
/// ```swift
/// let svg = LineChart(title: "loss", series: [Series(name: "SGD", y: [2.3, 1.1, 0.7])]).svg(width: 400, height: 300)
/// try SVGRasterizer.write(svg: svg, width: 400, height: 300, to: "loss.png")
/// ```
public enum SVGRasterizer {
    /// The PNG bytes of `svg` drawn into `width × height` pixels. Throws a
    /// `DescentError` with librsvg's one-line reason if the document is not valid SVG
    /// or cannot be drawn.
    public static func png(svg: String, width: Int, height: Int) throws -> [UInt8] {
        guard (1...32767).contains(width), (1...32767).contains(height) else {
            throw DescentError("SVG: cannot rasterise to \(width)×\(height) pixels (1…32767 each)")
        }
        let document = Array(svg.utf8)
        guard !document.isEmpty else { throw DescentError("SVG: empty document") }
        try checkLibraryThreads()
        var error: UnsafeMutablePointer<GError>? = nil
        guard let handle = document.withUnsafeBufferPointer({
            rsvg_handle_new_from_data($0.baseAddress, gsize($0.count), &error)
        }) else { throw failure("SVG: invalid document", error) }
        defer { g_object_unref(handle) }

        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        defer { cairo_surface_destroy(surface) }
        let cr = cairo_create(surface)
        defer { cairo_destroy(cr) }
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        var viewport = RsvgRectangle(x: 0, y: 0, width: Double(width), height: Double(height))
        guard rsvg_handle_render_document(handle, cr, &viewport, &error) != 0 else {
            throw failure("SVG: cannot draw the document", error)
        }
        guard cairo_status(cr) == CAIRO_STATUS_SUCCESS else { throw cairoFailure(cairo_status(cr)) }

        var png: [UInt8] = []
        let status = withUnsafeMutablePointer(to: &png) { out in
            cairo_surface_write_to_png_stream(surface, { closure, data, length in
                guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
                closure.assumingMemoryBound(to: [UInt8].self).pointee
                    .append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                return CAIRO_STATUS_SUCCESS
            }, out)
        }
        guard status == CAIRO_STATUS_SUCCESS else { throw cairoFailure(status) }
        return png
    }

    /// Rasterises `svg` (see `png(svg:width:height:)`) and writes the PNG atomically to `path`.
    public static func write(svg: String, width: Int, height: Int, to path: String) throws {
        try writeAtomically(try png(svg: svg, width: width, height: height), to: path)
    }

    /// A `DescentError` from librsvg's `GError` (freed here), on one line.
    /// Threads librsvg's text drawing starts of its own (GLib, pango, fontconfig), with a
    /// margin. Measured under `ulimit -u`: `descent report` draws with 3 threads besides its
    /// main one, but `compare`'s report aborted (GLib's "Error creating thread") with 4 free
    /// at its first drawing: pango starts a thread per font lookup while others run.
    public static let libraryThreads = 6

    /// Before the first drawing of the process: fails with a sentence unless
    /// `libraryThreads` more threads can start (`Parallel.room`), since GLib would abort.
    static func checkLibraryThreads() throws {
        firstDraw.lock.lock()
        defer { firstDraw.lock.unlock() }
        guard !firstDraw.checked else { return }
        let room = Parallel.room(forThreads: libraryThreads)
        guard room == libraryThreads else {
            throw DescentError("PNG: drawing text needs \(libraryThreads) more threads (librsvg's GLib and pango start their own), but only \(room) can start (a limit on processes or threads, e.g. ulimit -u, is reached)")
        }
        firstDraw.checked = true
    }

    private final class FirstDraw: @unchecked Sendable {
        let lock = NSLock()
        var checked = false
    }
    private static let firstDraw = FirstDraw()

    private static func failure(_ what: String, _ error: UnsafeMutablePointer<GError>?) -> DescentError {
        guard let error else { return DescentError(what) }
        defer { g_error_free(error) }
        let reason = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
        let line = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        return DescentError("\(what): \(line)")
    }

    private static func cairoFailure(_ status: cairo_status_t) -> DescentError {
        DescentError("SVG: cairo failed: \(String(cString: cairo_status_to_string(status)))")
    }
}
