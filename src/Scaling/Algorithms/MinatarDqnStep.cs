using System.Runtime.InteropServices;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Replay;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// DQN's gradient step and greedy actions on <see cref="MinatarQKernel"/> instead of TorchSharp's modules, for the
/// configurations the kernel computes: dopamine's MinAtar network with a plain head, MSE or Huber, double Q or not,
/// uniform or prioritised replay, n-step returns, gradient clipping, any number of copies. The same sample, targets,
/// loss, Adam step, priorities and metrics as <see cref="DqnLearner.Update"/>'s tensor path, up to float rounding; the
/// parameters and Adam's moments stay in their tensors, so checkpoints, evaluation and the tensor path see one state.
/// </summary>
/// <remarks>Per copy and transition: forward s_t with the online network and s_{t+n} with the target network (and with the
/// online one for double Q), y = R + discount Q_target(s_{t+n}, a*), the loss and its gradient through Q(s_t, a_t) at once.</remarks>
internal sealed class MinatarDqnStep
{
    readonly MinatarQKernel kernel;
    readonly QNetwork network;
    readonly DqnConfig config;
    readonly MinatarQKernel.Weights gradient;
    readonly Cached[] online, target;
    readonly ReplaySample sample;
    readonly MinatarQKernel.Taps taps, nextTaps;
    readonly float[] preactivation, nextPreactivation, values, nextValues, nextOnline, gradientRows, losses, priorities;

    MinatarDqnStep(MinatarQKernel kernel, QNetwork network, DqnConfig config, long[] observationShape)
    {
        (this.kernel, this.network, this.config, ObservationShape) = (kernel, network, config, observationShape.ToArray());
        gradient = kernel.NewWeights();
        online = Enumerable.Range(0, network.Copies).Select(_ => new Cached(kernel)).ToArray();
        target = Enumerable.Range(0, network.Copies).Select(_ => new Cached(kernel)).ToArray();
        (taps, nextTaps) = (kernel.NewTaps(), kernel.NewTaps());
        sample = new ReplaySample(network.Copies, config.BatchSize, kernel.ObservationSize);
        (preactivation, nextPreactivation) = (new float[kernel.Features], new float[kernel.Features]);
        (values, nextValues, nextOnline) = (new float[kernel.Actions], new float[kernel.Actions], new float[kernel.Actions]);
        gradientRows = new float[network.Copies * kernel.Size];
        losses = new float[network.Copies * config.BatchSize];
        priorities = new float[losses.Length];
    }

    /// <summary>The step for <paramref name="network"/> and <paramref name="config"/>, or null with the reason where the kernel does not apply.</summary>
    public static MinatarDqnStep? For(QNetwork network, DqnConfig config, long[] observationShape, out string reason)
    {
        if (config.TorchOnly) { reason = "torch_only=true"; return null; }
        if (config.AugmentPad > 0) { reason = "random-shift augmentation"; return null; }
        var kernel = MinatarQKernel.For(network, observationShape, out reason);
        return kernel is null ? null : new MinatarDqnStep(kernel, network, config, observationShape);
    }

    /// <summary>Shape of one observation [H, W, Ch].</summary>
    public long[] ObservationShape { get; }

    /// <summary>
    /// The greedy action of copy <paramref name="copy"/> at each observation row of <paramref name="observations"/>
    /// [rows H W Ch] that is not <paramref name="exploring"/> (those rows took a random action and need none).
    /// </summary>
    public void Greedy(int copy, ReadOnlySpan<float> observations, ReadOnlySpan<bool> exploring, Span<int> actions)
    {
        var weights = online[copy].Of(Row(network.Online.Values, copy));
        var size = kernel.ObservationSize;
        for (var r = 0; r < actions.Length; r++)
        {
            if (exploring[r]) continue;
            kernel.Forward(weights, observations.Slice(r * size, size), preactivation, values);
            actions[r] = ArgMax(values);
        }
    }

    /// <summary>One gradient step; returns the per-copy <see cref="DqnLearner.MetricNames"/> (loss, q, grad_norm).</summary>
    public double[][] Update(ReplayBuffer replay, Adam adam, double learningRate)
    {
        replay.SampleInto(sample);
        var copies = network.Copies;
        var batch = config.BatchSize;
        var size = kernel.ObservationSize;
        var loss = new double[copies];
        var q = new double[copies];
        for (var c = 0; c < copies; c++)
        {
            var online = this.online[c].Of(Row(network.Online.Values, c));
            var target = this.target[c].Of(Row(network.Target.Values, c));
            gradient.Clear();
            float lossSum = 0, qSum = 0;
            for (var b = 0; b < batch; b++)
            {
                var row = c * batch + b;
                var observation = kernel.Collect(sample.Observations.AsSpan(row * size, size), taps);
                var next = kernel.Collect(sample.NextObservations.AsSpan(row * size, size), nextTaps);
                kernel.Forward(online, observation, preactivation, values);
                kernel.Forward(target, next, nextPreactivation, nextValues);
                if (config.DoubleQ) kernel.Forward(online, next, nextPreactivation, nextOnline);
                var nextAction = ArgMax(config.DoubleQ ? nextOnline : nextValues);
                var y = sample.Returns[row] + sample.Discounts[row] * nextValues[nextAction];
                var chosen = values[sample.Actions[row]];
                var d = y - chosen;
                float l, slope;                                   // the loss and its derivative in Q(s_t, a_t)
                if (config.Loss == QLoss.Mse) (l, slope) = (d * d, -2 * d);
                else
                {
                    var a = MathF.Abs(d);
                    var quadratic = MathF.Min(a, 1);
                    (l, slope) = (0.5f * quadratic * quadratic + (a - quadratic), a <= 1 ? -d : -MathF.Sign(d));
                }
                losses[row] = l;
                var weight = sample.Weights[row];
                lossSum += l * weight;
                qSum += chosen;
                kernel.Backward(online, observation, preactivation, sample.Actions[row], slope * weight / batch, gradient);
            }
            loss[c] = lossSum / batch;
            q[c] = qSum / batch;
            kernel.Store(gradient, gradientRows.AsSpan(c * kernel.Size, kernel.Size));
        }
        var norms = adam.StepOnHost(gradientRows, learningRate);
        if (config.Prioritised)
        {
            for (var r = 0; r < priorities.Length; r++) priorities[r] = MathF.Sqrt(losses[r] + 1e-10f);
            replay.SetPriorities(sample.Slots, priorities);
        }
        return new[] { loss, q, norms.Length > 0 ? norms : Enumerable.Repeat(double.NaN, copies).ToArray() };
    }

    /// <summary>
    /// One copy's weights in the kernel's layout, permuted again only when the parameter row differs bit for bit from the
    /// one they came from: a greedy action between two gradient steps, or the target network between two copies, reuses
    /// them, and any write to the parameters (a step, a checkpoint, a caller's) is seen.
    /// </summary>
    sealed class Cached(MinatarQKernel kernel)
    {
        readonly float[] source = new float[kernel.Size];
        readonly MinatarQKernel.Weights weights = kernel.NewWeights();
        bool loaded;

        public MinatarQKernel.Weights Of(ReadOnlySpan<float> row)
        {
            if (loaded && MemoryMarshal.AsBytes(row).SequenceEqual(MemoryMarshal.AsBytes(source.AsSpan()))) return weights;
            row.CopyTo(source);
            kernel.Load(row, weights);
            loaded = true;
            return weights;
        }
    }

    Span<float> Row(TorchSharp.torch.Tensor values, int copy) => HostSpan.Floats(values).Slice(copy * kernel.Size, kernel.Size);

    /// <summary>The first index of the largest value (libtorch's argmax on the CPU).</summary>
    static int ArgMax(ReadOnlySpan<float> x)
    {
        var best = 0;
        for (var i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
