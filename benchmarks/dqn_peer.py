"""PyTorch peer for DQN on MinAtar-shaped inputs, written the way CleanRL's dqn.py is (one environment, numpy replay
buffer holding obs and next_obs as SB3's ReplayBuffer does, epsilon-greedy acting on a torch forward per step, a
gradient step every train_frequency steps, a hard target copy every target_network_frequency steps), with dopamine's
MinAtar settings (Conv16 3x3 SAME + ReLU -> Dense(A); Adam lr 2.5e-4, eps 3.125e-4; batch 32; update period 4; target
period 1000; replay 100k; MSE). MinAtar is not installable here, so the environment is a stand-in of the same shapes:
binary 10x10xC observations, reward 1 with probability 0.05, episode end with probability 0.01 (its cost is a few
numpy calls per step, below the real game's).

usage: python3 dqn_peer.py full|learn CHANNELS ACTIONS STEPS [SEEDS]
  full:  agent steps per second of the whole loop (acting, environment, replay, learning), SEEDS runs one after another
  learn: gradient steps per second on a filled buffer (learning alone), reported as agent steps/s (x update period)
"""
import sys, time, random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

mode, channels, actions, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
seeds = int(sys.argv[5]) if len(sys.argv) > 5 else 1
torch.set_num_threads(int(__import__("os").environ.get("OMP_NUM_THREADS", "1")))
GAMMA, BATCH, PERIOD, TARGET, CAPACITY, STARTS = 0.99, 32, 4, 1000, 100_000, 1000

class QNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(channels, 16, 3, padding=1)
        self.head = nn.Linear(16 * 10 * 10, actions)
    def forward(self, x):  # x [B, 10, 10, C]
        return self.head(F.relu(self.conv(x.permute(0, 3, 1, 2))).flatten(1))

class Env:
    def __init__(self, rng): self.rng = rng
    def reset(self): return (self.rng.random((10, 10, channels)) < 0.1).astype(np.float32)
    def step(self, a):
        obs = (self.rng.random((10, 10, channels)) < 0.1).astype(np.float32)
        return obs, float(self.rng.random() < 0.05), bool(self.rng.random() < 0.01)

class Replay:
    def __init__(self):
        self.obs = np.zeros((CAPACITY, 10, 10, channels), np.float32); self.next = np.zeros_like(self.obs)
        self.act = np.zeros(CAPACITY, np.int64); self.rew = np.zeros(CAPACITY, np.float32); self.done = np.zeros(CAPACITY, np.float32)
        self.pos, self.full = 0, False
    def add(self, o, n, a, r, d):
        self.obs[self.pos], self.next[self.pos], self.act[self.pos], self.rew[self.pos], self.done[self.pos] = o, n, a, r, d
        self.pos = (self.pos + 1) % CAPACITY; self.full = self.full or self.pos == 0
    def sample(self):
        idx = np.random.randint(0, CAPACITY if self.full else self.pos, size=BATCH)
        return (torch.from_numpy(self.obs[idx]), torch.from_numpy(self.act[idx]), torch.from_numpy(self.rew[idx]),
                torch.from_numpy(self.next[idx]), torch.from_numpy(self.done[idx]))

def train_step(q, target, opt, rb):
    obs, act, rew, nxt, done = rb.sample()
    with torch.no_grad():
        target_max, _ = target(nxt).max(dim=1)
        td_target = rew + GAMMA * target_max * (1 - done)
    old_val = q(obs).gather(1, act.unsqueeze(1)).squeeze()
    loss = F.mse_loss(td_target, old_val)
    opt.zero_grad(); loss.backward(); opt.step()

def run(seed):
    random.seed(seed); np.random.seed(seed); torch.manual_seed(seed)
    q, target = QNetwork(), QNetwork(); target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=2.5e-4, eps=3.125e-4)
    rb, env = Replay(), Env(np.random.default_rng(seed))
    obs = env.reset()
    if mode == "learn":
        for _ in range(5000): rb.add(obs, obs, 0, 0.0, 0.0)
        start = time.perf_counter()
        for _ in range(steps // PERIOD): train_step(q, target, opt, rb)
        return time.perf_counter() - start
    start = time.perf_counter()
    for step in range(steps):
        eps = max(0.01, 1 - step / 250_000)
        if random.random() < eps: a = random.randrange(actions)
        else:
            with torch.no_grad(): a = int(q(torch.from_numpy(obs).unsqueeze(0)).argmax(1).item())
        nxt, r, d = env.step(a)
        rb.add(obs, nxt, a, r, float(d))
        obs = env.reset() if d else nxt
        if step > STARTS:
            if step % PERIOD == 0: train_step(q, target, opt, rb)
            if step % TARGET == 0: target.load_state_dict(q.state_dict())
    return time.perf_counter() - start

elapsed = sum(run(s) for s in range(seeds))
print(f"dqn peer {mode} channels={channels} actions={actions} seeds={seeds}: {seeds * steps / elapsed:.0f} steps/s")
