"""PyTorch peer for QMIX on MPE simple-spread shapes, written the way a PyTorch user ports JaxMARL's qmix_rnn.py (and
PyMARL's learner): one shared GRU agent (Linear(H) -> ReLU -> GRUCell(H) -> Linear(A)) over (agent observation padded,
one-hot id), a QMIX mixer with hypernetworks on the state, an episode buffer of whole rollout chunks (numpy), double Q
with a target network, MSE, global-norm clipping 25 and torch.optim.RAdam; thesis table 8's MPE settings (8 envs x 26
steps per update, batch 32 chunks, buffer 5,000 chunks, hidden 64, mixer 32/128, gamma 0.9, target every 200 updates).
MPE is not installed here, so the environment is a stand-in of the same shapes: 3 agents, observations 18 each (random
normal), 5 actions, shared reward, 25-step episodes (its cost is a few numpy calls per step, below the real MPE's).

usage: python3 qmix_peer.py full|learn STEPS
  full:  environment steps per second of the whole loop (acting, environment, buffer, one gradient step per update),
         timed after 40 untimed updates that fill the buffer and learn from the start, as `hybrid bench qlearn`
  learn: gradient steps per second on a filled buffer, reported also as environment steps/s (x 208 steps per update)
"""
import os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

mode, steps = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
N, OBS, A, H, E, K = 3, 18, 5, 64, 32, 128
ENVS, T, BATCH, CAPACITY, GAMMA, TARGET, STARTS, LR = 8, 26, 32, 5000, 0.9, 200, 10_000, 1e-3
STATE, INPUT = N * OBS, OBS + N


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(INPUT, H)
        self.gru = nn.GRUCell(H, H)
        self.q = nn.Linear(H, A)

    def forward(self, x, h):  # x [M, INPUT], h [M, H]
        h = self.gru(F.relu(self.fc(x)), h)
        return self.q(h), h


class Mixer(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Sequential(nn.Linear(STATE, K), nn.ReLU(), nn.Linear(K, N * E))
        self.b1 = nn.Linear(STATE, E)
        self.w2 = nn.Sequential(nn.Linear(STATE, K), nn.ReLU(), nn.Linear(K, E))
        self.b2 = nn.Sequential(nn.Linear(STATE, E), nn.ReLU(), nn.Linear(E, 1))

    def forward(self, q, s):  # q [M, N], s [M, STATE]
        w1 = self.w1(s).abs().view(-1, N, E)
        h = F.elu(torch.bmm(q.unsqueeze(1), w1).squeeze(1) + self.b1(s))
        return (h * self.w2(s).abs()).sum(-1) + self.b2(s).squeeze(-1)


def inputs(obs):  # obs [..., N, OBS] -> [..., N, INPUT]
    ids = torch.eye(N).expand(*obs.shape[:-1], N)
    return torch.cat([obs, ids], -1)


class Buffer:
    def __init__(self, rng):
        self.rng, self.rows = rng, CAPACITY // ENVS
        self.obs = np.zeros((self.rows, ENVS, T, N, OBS), np.float32)
        self.act = np.zeros((self.rows, ENVS, T, N), np.int64)
        self.rew = np.zeros((self.rows, ENVS, T), np.float32)
        self.done = np.zeros((self.rows, ENVS, T), np.float32)
        self.added = 0

    def add(self, obs, act, rew, done):  # [ENVS, T, ...]
        k = self.added % self.rows
        self.obs[k], self.act[k], self.rew[k], self.done[k] = obs, act, rew, done
        self.added += 1

    def sample(self):
        k = self.rng.integers(0, min(self.added, self.rows), BATCH)
        e = self.rng.integers(0, ENVS, BATCH)
        t = lambda x: torch.from_numpy(np.swapaxes(x[k, e], 0, 1).copy())  # time-major [T, B, ...]
        return t(self.obs), t(self.act), t(self.rew), t(self.done)


agent, mixer = Agent(), Mixer()
target_agent, target_mixer = Agent(), Mixer()
target_agent.load_state_dict(agent.state_dict()); target_mixer.load_state_dict(mixer.state_dict())
params = list(agent.parameters()) + list(mixer.parameters())
optimizer = torch.optim.RAdam(params, lr=LR)


def unroll(net, obs, done):  # obs [T, B, N, OBS], done [T, B] -> q [T, B, N, A]
    x = inputs(obs).reshape(T, -1, INPUT)
    h = torch.zeros(x.shape[1], H)
    out = []
    for t in range(T):
        if t > 0:
            h = h * (1 - done[t - 1]).repeat_interleave(N).unsqueeze(-1)
        q, h = net(x[t], h)
        out.append(q)
    return torch.stack(out).view(T, -1, N, A)


def learn(buffer):
    obs, act, rew, done = buffer.sample()
    q = unroll(agent, obs, done)
    with torch.no_grad():
        q_target = unroll(target_agent, obs, done)
        next_q = q_target.gather(-1, q.argmax(-1, keepdim=True)).squeeze(-1)
        state = obs.reshape(T, -1, STATE)
        mixed_next = target_mixer(next_q.reshape(-1, N), state.reshape(-1, STATE)).view(T, -1)
        y = rew[:-1] + GAMMA * (1 - done[:-1]) * mixed_next[1:]
    chosen = q.gather(-1, act.unsqueeze(-1)).squeeze(-1)
    mixed = mixer(chosen.reshape(-1, N), state.reshape(-1, STATE)).view(T, -1)[:-1]
    loss = F.mse_loss(mixed, y)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(params, 25)
    optimizer.step()
    return loss.item()


rng = np.random.default_rng(0)
buffer = Buffer(rng)
if mode == "learn":
    for _ in range(BATCH):
        buffer.add(rng.standard_normal((ENVS, T, N, OBS), np.float32), rng.integers(0, A, (ENVS, T, N)),
                   -rng.random((ENVS, T), np.float32), (np.arange(T) % 25 == 24).astype(np.float32)[None].repeat(ENVS, 0))
    updates = max(1, steps // (ENVS * T))
    for _ in range(5): learn(buffer)
    start = time.perf_counter()
    for _ in range(updates): learn(buffer)
    seconds = time.perf_counter() - start
    print(f"qmix peer learn: {updates / seconds:.1f} gradient steps/s = {updates * ENVS * T / seconds:.0f} env steps/s (one step per update)")
    sys.exit()

updates = max(1, steps // (ENVS * T))
timesteps, start = 0, None
for u in range(40 + updates):
    if u == 40:
        start, timesteps = time.perf_counter(), 0
    eps = max(0.05, 1 - u / (0.1 * updates) * 0.95)
    obs = rng.standard_normal((ENVS, N, OBS), np.float32)
    h = torch.zeros(ENVS * N, H)
    chunk = [np.zeros((ENVS, T, N, OBS), np.float32), np.zeros((ENVS, T, N), np.int64), np.zeros((ENVS, T), np.float32), np.zeros((ENVS, T), np.float32)]
    for t in range(T):
        with torch.no_grad():
            q, h = agent(inputs(torch.from_numpy(obs)).reshape(-1, INPUT), h)
        greedy = q.argmax(-1).view(ENVS, N).numpy()
        act = np.where(rng.random((ENVS, N)) < eps, rng.integers(0, A, (ENVS, N)), greedy)
        done = float(t % 25 == 24)
        chunk[0][:, t], chunk[1][:, t], chunk[2][:, t], chunk[3][:, t] = obs, act, -rng.random(ENVS), done
        obs = rng.standard_normal((ENVS, N, OBS), np.float32)
        if done:
            h = torch.zeros(ENVS * N, H)
    buffer.add(*chunk)
    timesteps += ENVS * T
    if buffer.added >= BATCH:
        learn(buffer)
    if u % TARGET == 0:
        target_agent.load_state_dict(agent.state_dict()); target_mixer.load_state_dict(mixer.state_dict())
seconds = time.perf_counter() - start
print(f"qmix peer full: {timesteps / seconds:.0f} env steps/s over {timesteps} steps ({updates} timed updates, learning in each)")
