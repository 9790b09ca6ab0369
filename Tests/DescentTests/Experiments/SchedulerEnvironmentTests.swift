import XCTest
@testable import Descent

/// `Shard.fromEnvironment`: the array-job variables of Slurm and Kubernetes, as Slurm 22.05
/// sets them (measured with `sbatch --array=…` on a single-node cluster: see `SlurmTests`).
final class SchedulerEnvironmentTests: XCTestCase {
    func slurm(id: String, count: String, min: String, max: String, step: String) -> [String: String] {
        ["SLURM_ARRAY_TASK_ID": id, "SLURM_ARRAY_TASK_COUNT": count, "SLURM_ARRAY_TASK_MIN": min,
         "SLURM_ARRAY_TASK_MAX": max, "SLURM_ARRAY_TASK_STEP": step]
    }

    func testNoVariablesIsTheWholeSweep() throws {
        XCTAssertNil(try Shard.fromEnvironment([:]))
        XCTAssertNil(try Shard.fromEnvironment(["SLURM_JOB_ID": "7", "SLURM_ARRAY_TASK_ID": "", "JOB_COMPLETION_INDEX": ""]))
    }

    func testSteppedArrayMapsToConsecutiveShards() throws {
        // --array=0-6:2: ids 0, 2, 4, 6 → shards 0…3 of 4.
        for (k, id) in [0, 2, 4, 6].enumerated() {
            XCTAssertEqual(try Shard.fromEnvironment(slurm(id: "\(id)", count: "4", min: "0", max: "6", step: "2")),
                           try Shard(index: k, count: 4))
        }
        // --array=1-7:3: ids 1, 4, 7.
        XCTAssertEqual(try Shard.fromEnvironment(slurm(id: "7", count: "3", min: "1", max: "7", step: "3")),
                       try Shard(index: 2, count: 3))
        // --array=2-5 and a single task --array=5.
        XCTAssertEqual(try Shard.fromEnvironment(slurm(id: "4", count: "4", min: "2", max: "5", step: "1")),
                       try Shard(index: 2, count: 4))
        XCTAssertEqual(try Shard.fromEnvironment(slurm(id: "5", count: "1", min: "5", max: "5", step: "1")),
                       try Shard(index: 0, count: 1))
        // Without MIN/MAX/STEP (older or hand-set environments): MIN 0, STEP 1.
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3"]),
                       try Shard(index: 2, count: 3))
    }

    func testKubernetesIndexedJob() throws {
        XCTAssertEqual(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1", "DESCENT_SHARD_COUNT": "3"]),
                       try Shard(index: 1, count: 3))
    }

    /// Every unparsable or inconsistent environment throws one line naming the variable.
    func testGarbageAndInconsistencyAreErrors() {
        let cases: [([String: String], [String])] = [
            (slurm(id: "abc", count: "4", min: "0", max: "3", step: "1"), ["SLURM_ARRAY_TASK_ID", "abc"]),
            (slurm(id: "-1", count: "4", min: "0", max: "3", step: "1"), ["SLURM_ARRAY_TASK_ID", "-1"]),
            (slurm(id: "1", count: "four", min: "0", max: "3", step: "1"), ["SLURM_ARRAY_TASK_COUNT", "four"]),
            (slurm(id: "1", count: "0", min: "0", max: "3", step: "1"), ["SLURM_ARRAY_TASK_COUNT", "0"]),
            (slurm(id: "1", count: "4", min: "0", max: "3", step: "0"), ["SLURM_ARRAY_TASK_STEP", "0"]),
            (slurm(id: "1", count: "4", min: "x", max: "3", step: "1"), ["SLURM_ARRAY_TASK_MIN", "x"]),
            (["SLURM_ARRAY_TASK_ID": "3"], ["SLURM_ARRAY_TASK_COUNT", "not"]),
            (["SLURM_ARRAY_TASK_COUNT": "3"], ["SLURM_ARRAY_TASK_ID", "not set"]),
            // --array=1,3,8 as Slurm reports it: 3 tasks, but MIN 1, MAX 8, STEP 1.
            (slurm(id: "8", count: "3", min: "1", max: "8", step: "1"), ["SLURM_ARRAY_TASK_COUNT=3", "evenly spaced"]),
            (slurm(id: "3", count: "4", min: "0", max: "6", step: "2"), ["SLURM_ARRAY_TASK_ID=3", "0-6:2"]),
            (slurm(id: "8", count: "4", min: "0", max: "6", step: "2"), ["SLURM_ARRAY_TASK_ID=8"]),
            (["JOB_COMPLETION_INDEX": "1"], ["DESCENT_SHARD_COUNT", "not"]),
            (["JOB_COMPLETION_INDEX": "one", "DESCENT_SHARD_COUNT": "3"], ["JOB_COMPLETION_INDEX", "one"]),
            (["JOB_COMPLETION_INDEX": "1", "DESCENT_SHARD_COUNT": "x"], ["DESCENT_SHARD_COUNT", "'x'"]),
            (["JOB_COMPLETION_INDEX": "3", "DESCENT_SHARD_COUNT": "3"], ["JOB_COMPLETION_INDEX=3", "DESCENT_SHARD_COUNT=3"]),
            (["DESCENT_SHARD_COUNT": "3"], ["JOB_COMPLETION_INDEX", "not"]),
        ]
        for (env, mentions) in cases {
            XCTAssertThrowsError(try Shard.fromEnvironment(env), "\(env)") { error in
                let text = "\(error)"
                XCTAssertFalse(text.contains("\n"), text)
                for m in mentions { XCTAssertTrue(text.contains(m), "\(env): \(text) does not mention \(m)") }
            }
        }
    }
}
