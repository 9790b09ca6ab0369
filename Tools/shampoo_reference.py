"""The reference for Descent's Shampoo fixtures: Shampoo with Adam grafting as
Sources/Descent/Optimizers/Shampoo.swift states it (Distributed Shampoo's default algorithm,
Shi et al. 2023: blocked Kronecker factors with bias correction, first moment, Adam grafting,
epsilon 1e-12 on the eigenvalues), written in torch with the same float32 operations in the
same order, the inverse 4th roots from float64 eigendecompositions (torch.linalg.eigh), and
torch.optim.AdamW for the parameters with fewer than 2 dimensions.

Not a released package: no pinned Shampoo reproduces this simplified form (one beta2 for the
factors and the graft, no dimension merging), so the fixtures check Descent against this
independent transcription of the stated algorithm; see Shampoo.swift for the tolerance.
"""
import math

import torch


def inverse_root(a, scale, eps, power):
    """(A/scale + eps I)^(-1/power) from the lower triangle of A, in float64, rounded to float32."""
    lower = torch.tril(a.double() / scale)
    sym = lower + torch.tril(lower, -1).T
    w, q = torch.linalg.eigh(sym)
    f = (w.clamp(min=0) + eps) ** (-1.0 / power)
    return ((q * f) @ q.T).float()


class ShampooReference:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, root_eps=1e-12, update_frequency=10,
                 block_size=1024, weight_decay=0.0):
        self.lr, self.beta1, self.beta2, self.eps = lr, betas[0], betas[1], eps
        self.root_eps, self.f, self.block, self.wd = root_eps, update_frequency, block_size, weight_decay
        self.matrices = [p for p in params if p.ndim == 2]
        others = [p for p in params if p.ndim != 2]
        self.adamw = torch.optim.AdamW(others, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=False)
        self.param_groups = self.adamw.param_groups
        self.state = {}
        self.t = 0

    def blocks(self, rows, cols):
        return [(r, min(r + self.block, rows), c, min(c + self.block, cols))
                for r in range(0, rows, self.block) for c in range(0, cols, self.block)]

    @torch.no_grad()
    def step(self):
        self.t += 1
        t = self.t
        b1, b2 = self.beta1, self.beta2
        bc1 = 1 - b1 ** t
        bc2 = 1 - b2 ** t
        for p in self.matrices:
            g = p.grad
            rows, cols = p.shape
            if p not in self.state:
                s = {"m": torch.zeros_like(p), "v": torch.zeros_like(p), "blocks": []}
                for (r0, r1, c0, c1) in self.blocks(rows, cols):
                    mb, nb = r1 - r0, c1 - c0
                    s["blocks"].append({"L": torch.zeros(mb, mb), "R": torch.zeros(nb, nb),
                                        "Lr": torch.zeros(mb, mb), "Rr": torch.zeros(nb, nb)})
                self.state[p] = s
            s = self.state[p]
            m, v = s["m"], s["v"]
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            mhat = m / bc1
            adam = mhat / ((v / bc2).sqrt() + self.eps)
            d = torch.empty_like(p)
            for (r0, r1, c0, c1), blk in zip(self.blocks(rows, cols), s["blocks"]):
                gb = g[r0:r1, c0:c1]
                blk["L"] = torch.addmm(blk["L"], gb, gb.T, beta=b2, alpha=1 - b2)
                blk["R"] = torch.addmm(blk["R"], gb.T, gb, beta=b2, alpha=1 - b2)
                if t % self.f == 0:
                    blk["Lr"] = inverse_root(blk["L"], bc2, self.root_eps, 4)
                    blk["Rr"] = inverse_root(blk["R"], bc2, self.root_eps, 4)
                ab = adam[r0:r1, c0:c1]
                if t >= self.f:
                    pb = (blk["Lr"] @ mhat[r0:r1, c0:c1]) @ blk["Rr"]
                    norm_p = pb.double().norm().item()
                    if norm_p > 0:
                        scale = ab.double().norm().item() / norm_p
                        d[r0:r1, c0:c1] = pb * scale
                        continue
                d[r0:r1, c0:c1] = ab
            p.mul_(1 - self.lr * self.wd)
            p.add_(d, alpha=-self.lr)
        self.adamw.step()
