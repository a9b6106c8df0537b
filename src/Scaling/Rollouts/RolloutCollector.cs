using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Training;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Rollouts;

/// <summary>
/// Steps a joint policy in a <see cref="VectorEnv"/> and records what happened: the one act-and-step loop of the
/// library (PPO's rollouts, evaluations, evolution strategies and meta-learning all use it). Each step, every
/// controller sees its group's observations and start flags and writes its actions; the environment steps
/// (auto-resetting finished episodes); rewards and dones go back into every group's rows, and the episodes that ended
/// into <see cref="Episodes"/>. An outer loop may drive it step by step (<see cref="Step"/>), T steps at a time
/// (<see cref="Collect"/>), and start a new trial (<see cref="Reset(ulong[])"/>) without rebuilding the environments.
/// </summary>
public sealed class RolloutCollector
{
    readonly VectorEnv env;
    readonly ActorStep[] steps;
    readonly bool[][] starts;          // per group [C n]: the row's current observation starts an episode
    readonly int[] envActions;
    readonly float[] envContinuous;
    readonly int[][] continuousTarget; // per group and row: where its action starts in the environment's continuous actions
    readonly float[] statsRewards;     // [S, A, E] for the episode statistics
    readonly int[] statsSlot;          // [S, A, E] -> index in the environment's agent-major arrays
    readonly int statsEnvs;

    /// <summary>Collects for <paramref name="policy"/>; episode statistics are kept for <paramref name="statisticsCopies"/> blocks of environments (training seeds; default: the largest controller's copies).</summary>
    public RolloutCollector(JointPolicy policy, int? statisticsCopies = null)
    {
        Policy = policy;
        env = policy.Env;
        var controllers = policy.Controllers;
        steps = controllers.Select(c => new ActorStep(c.Group)).ToArray();
        starts = controllers.Select(c => new bool[c.Group.Width]).ToArray();
        envActions = policy.Continuous ? Array.Empty<int>() : new int[env.Agents.Count * env.NumEnvs];
        // Agent a's block starts after the blocks of the agents before it; row r's action at its environment's place.
        var agentOffset = new int[env.Agents.Count];
        for (var a = 1; a < env.Agents.Count; a++) agentOffset[a] = agentOffset[a - 1] + env.NumEnvs * env.ActionSpaces[a - 1].FlatSize;
        continuousTarget = controllers.Select(c => policy.Continuous
            ? Enumerable.Range(0, c.Group.Width).Select(r => agentOffset[c.Group.AgentOf(r)] + c.Group.Environment[r] * c.Group.ActionSpace.FlatSize).ToArray()
            : Array.Empty<int>()).ToArray();
        envContinuous = policy.Continuous ? new float[env.ActionSpaces.Sum(s => s.FlatSize) * env.NumEnvs] : Array.Empty<float>();
        var copies = statisticsCopies ?? controllers.Max(c => c.Group.Copies);
        if (copies < 1 || env.NumEnvs % copies != 0) throw new ArgumentException($"{env.NumEnvs} environments do not split into {copies} blocks for the episode statistics");
        StatisticsCopies = copies;
        statsEnvs = env.NumEnvs / copies;
        var agents = env.Agents.Count;
        statsRewards = new float[copies * agents * statsEnvs];
        statsSlot = new int[statsRewards.Length];
        for (var s = 0; s < copies; s++)
            for (var a = 0; a < agents; a++)
                for (var e = 0; e < statsEnvs; e++)
                    statsSlot[(s * agents + a) * statsEnvs + e] = a * env.NumEnvs + s * statsEnvs + e;
        Episodes = new EpisodeStats(copies, agents, statsEnvs);
    }

    /// <summary>The joint policy.</summary>
    public JointPolicy Policy { get; }

    /// <summary>Finished episodes per block of environments.</summary>
    public EpisodeStats Episodes { get; }

    /// <summary>Blocks of environments the statistics are kept for.</summary>
    public int StatisticsCopies { get; }

    /// <summary>Environment steps of each statistics block so far (all its environments counted).</summary>
    public long EnvSteps { get; private set; }

    /// <summary>Buffers for <paramref name="stepCount"/> steps of every controller.</summary>
    public Rollout NewRollout(int stepCount)
    {
        if (stepCount < 1) throw new ArgumentOutOfRangeException(nameof(stepCount), stepCount, "a rollout needs at least one step");
        return new Rollout(Policy.Controllers.Select(c => new Trajectory(c, stepCount, Policy.Continuous, c.Group.ActionSpace.FlatSize)).ToArray());
    }

    /// <summary>Fills <paramref name="rollout"/>: its T steps, then the controllers' values of the observations that follow.</summary>
    public void Collect(Rollout rollout)
    {
        for (var k = 0; k < steps.Length; k++)
            if (Policy.Controllers[k].RecordObservations) rollout.Groups[k].SetInitialStates(Policy.Controllers[k].Actor.SnapshotState());
        for (var t = 0; t < rollout.Steps; t++) Step(rollout, t);
        Bootstrap(rollout);
    }

    /// <summary>One step of every controller and of the environment, recorded at step <paramref name="t"/> of <paramref name="rollout"/>.</summary>
    public void Step(Rollout rollout, int t)
    {
        using var scope = NewDisposeScope();
        var controllers = Policy.Controllers;
        for (var k = 0; k < steps.Length; k++)
        {
            var (c, step, trajectory) = (controllers[k], steps[k], rollout.Groups[k]);
            var width = c.Group.Width;
            Bind(step, trajectory, k, t * width);
            if (trajectory.Observations is { } obs)
            {
                obs[t].copy_(step.Observations);
                trajectory.WorldStates?[t].copy_(step.WorldState!);
            }
            Array.Copy(starts[k], 0, trajectory.Resets, t * width, width);
            c.Actor.Act(step);
        }
        StepEnvironments(rollout, t);
    }

    /// <summary>The values of the current observations into each trajectory's <see cref="Trajectory.LastValues"/>.</summary>
    public void Bootstrap(Rollout rollout)
    {
        using var scope = NewDisposeScope();
        for (var k = 0; k < steps.Length; k++)
        {
            var trajectory = rollout.Groups[k];
            Bind(steps[k], trajectory, k, 0);
            Policy.Controllers[k].Actor.Bootstrap(steps[k], trajectory.LastValues);
        }
    }

    void Bind(ActorStep step, Trajectory trajectory, int group, int offset)
    {
        step.Next(offset);
        step.Starts = starts[group];
        step.Actions = trajectory.Actions;
        step.ContinuousActions = trajectory.ContinuousActions;
        step.LogProbs = trajectory.LogProbs;
        step.Values = trajectory.Values;
    }

    /// <summary>Sends step t's actions to the environments and brings rewards and dones back into every group's rows.</summary>
    void StepEnvironments(Rollout rollout, int t)
    {
        var controllers = Policy.Controllers;
        for (var k = 0; k < controllers.Count; k++)
        {
            var g = controllers[k].Group;
            var trajectory = rollout.Groups[k];
            var width = g.Width;
            if (!Policy.Continuous)
            {
                for (var r = 0; r < width; r++) envActions[g.Slot[r]] = trajectory.Actions[t * width + r];
                continue;
            }
            var d = trajectory.ActionSize;
            var box = (Box)g.ActionSpace;
            var target = continuousTarget[k];
            // The recorded action (and its log-probability) is the unclipped sample; the environment gets it clipped to the Box.
            for (var r = 0; r < width; r++)
                for (var j = 0; j < d; j++) envContinuous[target[r] + j] = Math.Clamp(trajectory.ContinuousActions[(t * width + r) * d + j], box.Low, box.High);
        }
        if (Policy.Continuous) env.Step(envContinuous); else env.Step(envActions);
        for (var k = 0; k < controllers.Count; k++)
        {
            var g = controllers[k].Group;
            var trajectory = rollout.Groups[k];
            var width = g.Width;
            for (var r = 0; r < width; r++)
            {
                trajectory.Rewards[t * width + r] = env.Rewards[g.Slot[r]];
                var done = env.AllDones[g.Environment[r]];
                trajectory.Dones[t * width + r] = done;
                starts[k][r] = done;
            }
        }
        for (var i = 0; i < statsRewards.Length; i++) statsRewards[i] = env.Rewards[statsSlot[i]];
        EnvSteps += statsEnvs;
        Episodes.Add(statsRewards, env.AllDones, EnvSteps);
    }

    /// <summary>
    /// A new trial: resets environment e with seed <paramref name="seeds"/>[e], clears every controller's state and the
    /// episodes in progress (finished ones stay in <see cref="Episodes"/>).
    /// </summary>
    public void Reset(ulong[] seeds) => Reset(seeds.AsSpan());

    /// <inheritdoc cref="Reset(ulong[])"/>
    public void Reset(ReadOnlySpan<ulong> seeds)
    {
        env.Reset(seeds);
        foreach (var s in starts) Array.Clear(s);
        foreach (var c in Policy.Controllers) c.Actor.ResetState();
        Episodes.ClearRunning();
    }

    /// <summary>Writes the environments' state, the start flags, the step count and the episode statistics.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("collector");
        writer.Write(EnvSteps);
        foreach (var s in starts) writer.WriteArray(s);
        env.SaveState(writer);
        Episodes.Save(writer);
    }

    /// <summary>Reads what <see cref="Save"/> wrote (for the same environments and policy layout).</summary>
    public void Load(StateReader reader)
    {
        reader.Section("collector");
        EnvSteps = reader.ReadInt64();
        for (var k = 0; k < starts.Length; k++) reader.ReadArray(starts[k], $"the start flags of controller {k}");
        reader.Guard(() => { env.LoadState(reader); return 0; });
        reader.Guard(() => { Episodes.Load(reader); return 0; });
    }
}
