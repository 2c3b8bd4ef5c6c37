"""The tutorial's training epoch of `go run ./examples/bench`, written the
way PyTorch users write FFJORD (torchdiffeq's odeint_adjoint, the exact
trace from one vector-Jacobian product per dimension), to time it beside
ours.

The work is the bench's epoch_adjoint_executor: standardised moons, batches
of 256, four blocks each with an MLP [t, t, z] -> 8 -> 8 -> 2 with tanh, the
exact trace, Dormand-Prince at rtol 1e-3 and atol 1e-5 in float64, the
adjoint with the parameters in its (mixed) error norm, a N(0, 0.8^2) base, Adam at
1e-2. Each round trains a fresh model for one epoch and prints

    pytorch_tutorial_epoch_1_thread=SECONDS s nfe_forward=F nfe_backward=B

with the evaluations of f per batch and block.

    python3 scripts/pytorch/tutorial_epoch.py [--batches 32] [--rounds 3]

It needs torch and torchdiffeq (pip install torch torchdiffeq; Debian's
python3-torch works, with torchdiffeq on PYTHONPATH) and scikit-learn.
"""

import argparse
import time

import numpy as np
import torch
from torch import nn
from torchdiffeq import odeint_adjoint

D, H, BLOCKS, BATCH = 2, 8, 4, 256


class CNF(nn.Module):
    """dz/dt = f(t, z), dlogdet/dt = tr(df/dz), exactly."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2 * D, H), nn.Tanh(),
                                 nn.Linear(H, H), nn.Tanh(), nn.Linear(H, D))
        self.nfe = 0

    def forward(self, t, state):
        z, _ = state
        self.nfe += 1
        with torch.enable_grad():
            z = z.requires_grad_(True)
            f = self.net(torch.cat([t * torch.ones_like(z), z], 1))
            tr = sum(torch.autograd.grad(f[:, i].sum(), z, create_graph=True)[0][:, i]
                     for i in range(D))
        return f, tr.unsqueeze(1)


def moons(n):
    from sklearn.datasets import make_moons
    x, _ = make_moons(n_samples=n, noise=0.06, random_state=1)
    return torch.from_numpy((x - x.mean(0)) / x.std(0))


def epoch(data, batches):
    """One epoch of a fresh model; seconds and NFE per batch and block."""
    blocks = nn.ModuleList(CNF() for _ in range(BLOCKS))
    opt = torch.optim.Adam(blocks.parameters(), lr=1e-2)
    ts = torch.tensor([1.0, 0.0])
    fwd = bwd = 0
    start = time.perf_counter()
    perm = torch.randperm(len(data))  # shuffled every epoch, as the tutorial
    for b in range(batches):
        x = data[perm[b * BATCH:(b + 1) * BATCH]]
        opt.zero_grad()
        logdet = torch.zeros(BATCH, 1)
        z = x
        for cnf in reversed(blocks):  # data to base: each block from t1 to t0
            zs, ls = odeint_adjoint(cnf, (z, torch.zeros(BATCH, 1)), ts,
                                    rtol=1e-3, atol=1e-5, method="dopri5")
            z, logdet = zs[-1], logdet + ls[-1]
        base = -0.5 * (z / 0.8).pow(2).sum(1) - D * np.log(0.8 * np.sqrt(2 * np.pi))
        loss = -(base + logdet[:, 0]).mean()
        fwd += sum(c.nfe for c in blocks)
        for c in blocks:
            c.nfe = 0
        loss.backward()
        bwd += sum(c.nfe for c in blocks)
        for c in blocks:
            c.nfe = 0
        opt.step()
    per = batches * BLOCKS
    return time.perf_counter() - start, fwd / per, bwd / per


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batches", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    if not 1 <= args.batches <= 4096 or not 1 <= args.rounds <= 100:
        p.error("--batches wants 1 to 4096 and --rounds 1 to 100")
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(args.threads)
    torch.manual_seed(9)
    data = moons(BATCH * args.batches)
    epoch(data, 1)  # warm up: the first call pays for torch's start-up
    for _ in range(args.rounds):
        secs, fwd, bwd = epoch(data, args.batches)
        th = args.threads
        print(f"pytorch_tutorial_epoch_{th}_thread{'s' if th > 1 else ''}={secs:.4g} s "
              f"nfe_forward={fwd:.3g} nfe_backward={bwd:.3g} torch={torch.__version__}",
              flush=True)


if __name__ == "__main__":
    main()
