"""The digits-scale training step of `go run ./examples/bench -only digits`,
written the way PyTorch users write FFJORD (torchdiffeq's odeint_adjoint,
Hutchinson's trace from a vector-Jacobian product), to time it beside ours.

The work is the same as the bench's: whitened 64-D digits, a batch of 256,
one block, an MLP [t x 64, z] -> 128 -> 128 -> 64 with tanh, Rademacher
noise, Dormand-Prince at rtol 1e-3 and atol 1e-5 in float64, the adjoint
with the parameters in its error norm (torchdiffeq's default mixed norm,
the largest of the parts' RMS norms; ours is one RMS norm over the whole
state), Adam at 1e-3. It prints one line per thread count:
the median and range of five rounds of six steps (two more first), and the
evaluations of f per step forward and backward, for the per-evaluation
comparison.

    python3 scripts/pytorch/digits_step.py [--threads 1,2]

It needs torch and torchdiffeq (pip install torch torchdiffeq; Debian's
python3-torch works, with torchdiffeq on PYTHONPATH) and scikit-learn for
the digits.
"""

import argparse
import statistics
import time

import numpy as np
import torch
from torch import nn
from torchdiffeq import odeint_adjoint

D, H, BATCH = 64, 128, 256


class CNF(nn.Module):
    """dz/dt = f(t, z), dlogp/dt = -e^T (df/dz) e."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2 * D, H), nn.Tanh(),
                                 nn.Linear(H, H), nn.Tanh(), nn.Linear(H, D))
        self.e = None
        self.nfe = 0

    def forward(self, t, state):
        z, _ = state
        self.nfe += 1
        with torch.enable_grad():
            z = z.requires_grad_(True)
            f = self.net(torch.cat([t * torch.ones_like(z), z], 1))
            ej = torch.autograd.grad(f, z, self.e, create_graph=True)[0]
        return f, -(ej * self.e).sum(1, keepdim=True)


def batch():
    from sklearn.datasets import load_digits
    rng = np.random.default_rng(8)
    x = load_digits().data[:BATCH] + rng.random((BATCH, D))
    mu = x.mean(0)
    c = np.cov(x - mu, rowvar=False, bias=True) + 1e-6 * np.eye(D)
    w, v = np.linalg.eigh(c)
    return torch.from_numpy((x - mu) @ v / np.sqrt(w))


def steps(cnf, opt, x, n):
    """n training steps; returns seconds per step and NFE per step."""
    fwd = bwd = 0
    start = time.perf_counter()
    for _ in range(n):
        opt.zero_grad()
        cnf.e = torch.randint(0, 2, x.shape, dtype=x.dtype) * 2 - 1
        cnf.nfe = 0
        zero = torch.zeros(BATCH, 1, dtype=x.dtype)
        ts = torch.tensor([0.0, 1.0], dtype=x.dtype)
        z, dlogp = odeint_adjoint(cnf, (x, zero), ts, rtol=1e-3, atol=1e-5,
                                  method="dopri5")
        z, dlogp = z[-1], dlogp[-1]
        logp = -0.5 * (z ** 2).sum(1) - 0.5 * D * np.log(2 * np.pi) - dlogp[:, 0]
        loss = -logp.mean()
        fwd += cnf.nfe
        cnf.nfe = 0
        loss.backward()
        bwd += cnf.nfe
        opt.step()
    return (time.perf_counter() - start) / n, fwd / n, bwd / n


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    torch.set_default_dtype(torch.float64)
    x = batch()
    for th in [int(s) for s in args.threads.split(",")]:
        torch.set_num_threads(th)
        torch.manual_seed(9)
        cnf = CNF()
        opt = torch.optim.Adam(cnf.parameters(), lr=1e-3)
        steps(cnf, opt, x, 2)
        res = [steps(cnf, opt, x, 6) for _ in range(args.rounds)]
        secs = [r[0] for r in res]
        print(f"pytorch_digits_step_{th}_thread{'s' if th > 1 else ''}="
              f"{statistics.median(secs):.4g} s (median of {args.rounds}; "
              f"range {min(secs):.4g}-{max(secs):.4g}) "
              f"nfe_forward={res[-1][1]:.3g} nfe_backward={res[-1][2]:.3g} "
              f"torch={torch.__version__}")


if __name__ == "__main__":
    main()
