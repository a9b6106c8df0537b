"""PyTorch peer for the learning phase of one PPO update with the thesis' MinAtar settings (appendix H):
separate actor and critic MLPs (obs -> 64 -> 64 -> head, ReLU, orthogonal init), a rollout of 128 envs x 64 steps
(8192 transitions) from random data, 10 epochs x 8 minibatches of 1024, PureJaxRL's loss, global-norm clipping 1.9 and
Adam(eps 1e-5). Prints seconds per update (learning only) for S seeds trained as S separate networks in a loop, the
way a PyTorch user would train several seeds in one process.

usage: python3 ppo_learn_peer.py OBS ACTIONS SEEDS UPDATES
"""
import sys, time, torch

obs_dim, actions, seeds, updates = (int(a) for a in sys.argv[1:5])
torch.manual_seed(0)
torch.set_num_threads(int(__import__("os").environ.get("OMP_NUM_THREADS", "2")))

def mlp(out, gain):
    layers = [torch.nn.Linear(obs_dim, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, out)]
    for layer, g in zip(layers[::2], (2 ** 0.5, 2 ** 0.5, gain)):
        torch.nn.init.orthogonal_(layer.weight, g); torch.nn.init.zeros_(layer.bias)
    return torch.nn.Sequential(*layers)

runs = []
for s in range(seeds):
    actor, critic = mlp(actions, 0.01), mlp(1, 1.0)
    params = list(actor.parameters()) + list(critic.parameters())
    runs.append((actor, critic, params, torch.optim.Adam(params, lr=9e-4, eps=1e-5)))
n = 128 * 64
data = [dict(obs=torch.rand(n, obs_dim).round(), act=torch.randint(actions, (n,)), logp=torch.full((n,), -1.1),
             val=torch.randn(n), adv=torch.randn(n), tgt=torch.randn(n)) for _ in range(seeds)]

def update():
    for (actor, critic, params, opt), d in zip(runs, data):
        for epoch in range(10):
            perm = torch.randperm(n)
            for m in range(8):
                idx = perm[m * 1024:(m + 1) * 1024]
                logits, value = actor(d["obs"][idx]), critic(d["obs"][idx]).squeeze(-1)
                logp_all = torch.log_softmax(logits, -1)
                logp = logp_all.gather(-1, d["act"][idx].unsqueeze(-1)).squeeze(-1)
                entropy = -(logp_all.exp() * logp_all).sum(-1).mean()
                old_v, tgt, adv = d["val"][idx], d["tgt"][idx], d["adv"][idx]
                clipped = old_v + (value - old_v).clamp(-0.2, 0.2)
                v_loss = 0.5 * torch.maximum((value - tgt) ** 2, (clipped - tgt) ** 2).mean()
                adv = (adv - adv.mean()) / (adv.std(unbiased=False) + 1e-8)
                ratio = (logp - d["logp"][idx]).exp()
                a_loss = -torch.minimum(ratio * adv, ratio.clamp(0.8, 1.2) * adv).mean()
                loss = a_loss + 0.5 * v_loss - 0.01 * entropy
                opt.zero_grad(); loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.9)
                opt.step()

update()  # warm-up
start = time.perf_counter()
for _ in range(updates): update()
print(f"seeds={seeds} learning seconds per update {(time.perf_counter() - start) / updates:.4f}")
