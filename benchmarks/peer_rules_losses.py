"""The PyTorch peer's first-order consistency losses (rules_reference.py: lookahead, lola_taylor, sos, cgd; stop-gradients
as detach()) at full precision, on the points `hybrid consistency --game GAME --alphas ALPHAS --samples SAMPLES` uses:
fresh U(region) samples per alpha, in alpha order, from one generator seeded 0 (player 1 then player 2, as the peer
draws them). For the IPD the points are ours (own-perspective layout) converted to the peer's layout (player 2's
logits 2 and 3 swapped), which leaves every loss unchanged. CGD prints nan where I + alpha H_o is singular.
Usage: /usr/bin/python3 benchmarks/peer_rules_losses.py GAME ALPHAS [SAMPLES]   (needs ../shared/peers)"""
import os, sys, torch
sys.path.insert(0, os.environ.get('PEERS', os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'peers')))
from cola_reference import GAMES, closs
from rules_reference import RULES
torch.set_default_dtype(torch.float64)
game = sys.argv[1]
alphas = [float(x) for x in sys.argv[2].split(',')]
samples = int(sys.argv[3]) if len(sys.argv) > 3 else (250 if game == 'ipd' else 1000)
L1, L2, d, R = GAMES[game]()
g = torch.Generator().manual_seed(0)
for a in alphas:
    t1 = (torch.rand(samples, d, generator=g) * 2 - 1) * R
    t2 = (torch.rand(samples, d, generator=g) * 2 - 1) * R
    if game == 'ipd': t2 = t2[:, [0, 1, 3, 2, 4]]
    t1.requires_grad_(True); t2.requires_grad_(True)
    row = {}
    for name, rule in RULES.items():
        try: row[name] = closs(L1, L2, t1, t2, a, *rule(L1, L2, t1, t2, a))
        except RuntimeError: row[name] = float('nan')   # torch.linalg.solve on a singular system (CGD)
    print(game, a, samples, ' '.join(f'{k}={v!r}' for k, v in row.items()))
