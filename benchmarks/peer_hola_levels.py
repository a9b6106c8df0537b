"""Per-level time of the exact HOLA recursion in the PyTorch peer, for comparison with `hybrid bench hola`.
Usage: /usr/bin/python3 benchmarks/peer_hola_levels.py [GAME] [SAMPLES] [LEVELS]   (needs ../shared/peers)"""
import os, sys, time, torch
sys.path.insert(0, os.environ.get('PEERS', os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'peers')))
from cola_reference import GAMES, grad
torch.set_default_dtype(torch.float64)
game = sys.argv[1] if len(sys.argv) > 1 else 'ipd'
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 250
levels = int(sys.argv[3]) if len(sys.argv) > 3 else 8
L1, L2, d, R = GAMES[game]()
g = torch.Generator().manual_seed(0)
t1 = ((torch.rand(samples, d, generator=g) * 2 - 1) * R).requires_grad_(True)
t2 = ((torch.rand(samples, d, generator=g) * 2 - 1) * R).requires_grad_(True)
h1, h2, alpha = torch.zeros_like(t1), torch.zeros_like(t2), 1.0
for k in range(levels):
    start = time.time()
    h1, h2 = -alpha * grad(L1(t1, t2 + h2), t1), -alpha * grad(L2(t1 + h1, t2), t2)
    print(f'level {k}: {(time.time() - start) * 1000:.1f} ms')
