using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Cola;

/// <summary>Progress of a COLA training: reported every few steps.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps in total.</param>
/// <param name="Losses">Per run: the consistency loss of the last training batch.</param>
/// <param name="Elapsed">Wall time since this process started training.</param>
/// <param name="Earlier">True for a report a resumed training replays from its checkpoint (made by the process that
/// trained those steps): a recorder of the training curve wants it, a progress display does not.</param>
public sealed record ColaProgress(int Step, int Steps, double[] Losses, TimeSpan Elapsed, bool Earlier = false);

/// <summary>
/// Trains R COLA pairs at once (thesis 4.3): each run r has its own look-ahead rate alpha_r, its own seed and
/// its own networks, and minimises the mean over theta ~ U(Theta) of
/// sum_i ||f_i/alpha_r + grad_i L^i(theta_i, theta_-i + f_-i)||^2 (the consistency loss in the tables' units)
/// with Adam and an exponential learning-rate schedule. All runs share every tensor operation; because their
/// parameters are disjoint slices and Adam is elementwise, each run trains exactly as it would alone.
/// </summary>
public sealed class ColaTrainer
{
    readonly Tensor alphaColumn;       // [R, 1, 1]
    readonly long[] playerSizes;       // d_i per player, for splitting points every step
    readonly Generator[] generators;   // one sampling stream per run
    readonly Adam adam;                 // state [R, P]
    Tensor[]? blockStart;               // generator states at the start of the current sample block
    Tensor? block;                      // [R, SampleBlock, B, D] points for the steps of the current block
    readonly List<(int Step, double[] Losses)> history = new();
    int replay;                         // leading history entries restored from a checkpoint, not yet replayed to a progress sink

    /// <summary>Training batches are drawn this many steps at a time per run (one sampling call per run per block).</summary>
    public const int SampleBlock = 1000;

    ColaTrainer(ColaNetworks networks, double[] alphas, long[] seeds, int step, Generator[] generators)
    {
        Networks = networks; Alphas = alphas; Seeds = seeds; Step = step;
        adam = new Adam(networks.Store, maxGradNorm: null, ColaSettings.Beta1, ColaSettings.Beta2, ColaSettings.Epsilon) { Steps = step };
        this.generators = generators;
        alphaColumn = tensor(alphas, dtype: ScalarType.Float64, device: networks.Parameters.device).view(-1, 1, 1);
        playerSizes = networks.Game.Players.Select(p => (long)p.ParameterSize).ToArray();
    }

    /// <summary>The networks being trained.</summary>
    public ColaNetworks Networks { get; }

    /// <summary>Per run: look-ahead rate.</summary>
    public double[] Alphas { get; }

    /// <summary>Per run: seed of its initialisation and of its sampling stream.</summary>
    public long[] Seeds { get; }

    /// <summary>Training steps done.</summary>
    public int Step { get; private set; }

    /// <summary>Game and settings.</summary>
    public DifferentiableGame Game => Networks.Game;

    /// <summary>Settings.</summary>
    public ColaSettings Settings => Networks.Settings;

    /// <summary>
    /// Every progress report so far (step, per-run batch loss), kept across checkpoints: the training curve of a
    /// resumed run is that of an uninterrupted one.
    /// </summary>
    public IReadOnlyList<(int Step, double[] Losses)> History => history;

    /// <summary>New runs, one per (alpha, seed) pair.</summary>
    public static ColaTrainer Create(DifferentiableGame game, ColaSettings settings, IReadOnlyList<double> alphas, IReadOnlyList<long> seeds, Device? device = null)
    {
        if (alphas.Count != seeds.Count) throw new ArgumentException($"one seed per run: {alphas.Count} alphas, {seeds.Count} seeds");
        foreach (var a in alphas)
            if (!(a > 0) || !double.IsFinite(a)) throw new ArgumentOutOfRangeException(nameof(alphas), a, "every alpha must be finite and > 0");
        var networks = ColaNetworks.Create(game.ForSecondOrderTraining(), settings, seeds, device, alphas);
        // Sampling streams are separate from the initialisation streams (offset seed) so both can be replayed.
        var generators = seeds.Select(s => new Generator(unchecked((ulong)s + 0x9E3779B97F4A7C15UL))).ToArray();
        return new ColaTrainer(networks, alphas.ToArray(), seeds.ToArray(), 0, generators);
    }

    /// <summary>Trains until <see cref="ColaSettings.Steps"/> (or <paramref name="untilStep"/>), reporting progress and
    /// writing checkpoints when asked. Returns the last batch's loss per run.</summary>
    public double[] Train(int? untilStep = null, IProgress<ColaProgress>? progress = null, ColaCheckpoint? checkpoint = null,
        int reportEvery = 1000, CancellationToken cancel = default)
    {
        var target = Math.Min(untilStep ?? Settings.Steps, Settings.Steps);
        if (progress != null)
        {
            foreach (var (step, losses) in history.Take(replay)) progress.Report(new ColaProgress(step, Settings.Steps, losses, TimeSpan.Zero, Earlier: true));
            replay = 0;
        }
        var clock = Stopwatch.StartNew();
        var last = new double[Networks.Runs];
        Tensor? lastLoss = null;
        while (Step < target)
        {
            cancel.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                var loss = TrainingStep();
                lastLoss?.Dispose();
                lastLoss = loss.MoveToOuterDisposeScope();
            }
            // The history keeps the regular reports only: a stop at untilStep must not add a point that an
            // uninterrupted training would not have.
            var regular = Step % reportEvery == 0 || Step == Settings.Steps;
            if (regular || Step == target)
            {
                last = lastLoss!.data<double>().ToArray();
                if (regular) history.Add((Step, last));
                progress?.Report(new ColaProgress(Step, Settings.Steps, last, clock.Elapsed));
            }
            if (checkpoint != null && (Step % checkpoint.Every == 0 || Step == target)) checkpoint.Write(this);
        }
        if (lastLoss is not null) { last = lastLoss.data<double>().ToArray(); lastLoss.Dispose(); }
        return last;
    }

    /// <summary>One Adam step of every run; returns the per-run loss of the batch, [R].</summary>
    Tensor TrainingStep()
    {
        var theta = SampleBatch(Settings.Batch);
        var loss = ConsistencyLoss(theta, createGraph: true);
        var gradient = Autodiff.Grad(loss.sum(), Networks.Parameters, createGraph: false);
        adam.Step(gradient, Settings.RateAt(Step));
        Step++;
        return loss.detach();
    }

    /// <summary>
    /// [R, B, D] uniform points of the training region (the game's unless the settings say otherwise) for the current step, run r drawing from its own stream.
    /// Points are drawn a block of steps at a time; the stream's state at the block's start is what a
    /// checkpoint stores, so a resumed run redraws the block and continues mid-block with the same points.
    /// </summary>
    Tensor SampleBatch(int batch)
    {
        var offset = Step % SampleBlock;
        if (block is null || offset == 0)
        {
            block?.Dispose();
            if (blockStart != null) foreach (var s in blockStart) s.Dispose();
            blockStart = generators.Select(g => g.get_state()).ToArray();
            foreach (var s in blockStart) s.DetachFromDisposeScope();
            var shape = new long[] { SampleBlock, batch, Game.TotalParameters };
            using var scope = NewDisposeScope();
            var region = Settings.TrainingRegion ?? Game.Region;
            block = stack(generators.Select(g => region.Sample(shape, g)).ToArray()).to(Networks.Parameters.device).MoveToOuterDisposeScope();
            block.DetachFromDisposeScope();
        }
        return block.select(1, offset);
    }

    /// <summary>
    /// Per run the consistency loss (thesis units) of its networks at its own points <paramref name="theta"/>,
    /// [R, B, D] (or [B, D], shared by all runs), as an [R] tensor.
    /// </summary>
    public Tensor ConsistencyLoss(Tensor theta, bool createGraph = false)
    {
        var runs = Networks.Runs;
        if (theta.dim() == 2) theta = theta.unsqueeze(0).expand(runs, -1, -1);
        var batch = theta.shape[1];
        var n = Game.PlayerCount;
        // One copy of the points per player: copy c carries player c's term L^c(theta_c, theta_-c + f_-c(theta)).
        // A single backward pass of the sum over copies then gives every grad_c L^c at once, because no copy's
        // term depends on another copy's points (one autograd call instead of one per player). Whole-tensor
        // masks select, per copy, whose parameters are shifted and whose residual counts: every autograd node
        // here is differentiated again by the training step, so fewer, larger operations are faster.
        var copies = cat(Enumerable.Repeat(theta.detach(), n).ToArray(), 1).requires_grad_(true); // [R, n B, D]
        var h = cat(Networks.Forward(copies), 2);                                                  // [R, n B, D]
        var (shift, own) = CopyMasks(n, batch, theta.device);
        var points = copies.Plus(h * shift).view(runs * n * batch, -1).split(playerSizes, 1);
        // losses[c] on copy c's rows: [n players, R, n copies, B] -> the diagonal over (player, copy).
        var terms = stack(Game.Losses(points)).view(n, runs, n, batch).diagonal(0, 0, 2).sum();
        var grad = Autodiff.Grad(terms, copies, createGraph);
        var residual = (h / alphaColumn).Plus(grad) * own;
        using var batchSize = batch.ToScalar();
        return residual.Square().sum(new long[] { 1, 2 }).div(batchSize);
    }

    (Tensor Shift, Tensor Own)? masks;

    /// <summary>
    /// [1, n B, D] masks: Shift is 1 where copy c holds another player's parameters (shifted by its update), Own is 1
    /// on copy c's own player (its residual counts). Cached for the training batch size.
    /// </summary>
    (Tensor Shift, Tensor Own) CopyMasks(int n, long batch, Device device)
    {
        if (masks is { } cached && cached.Shift.shape[1] == n * batch) return cached;
        var built = Build();
        if (batch != Settings.Batch) return built;
        built.Shift.DetachFromDisposeScope();
        built.Own.DetachFromDisposeScope();
        masks = built;
        return built;

        (Tensor Shift, Tensor Own) Build()
        {
            var d = Game.TotalParameters;
            var own = zeros(new long[] { 1, n * batch, d }, dtype: ScalarType.Float64, device: device);
            var offset = 0L;
            for (var c = 0; c < n; c++)
            {
                var size = Game.Players[c].ParameterSize;
                own[.., TensorIndex.Slice(c * batch, (c + 1) * batch), TensorIndex.Slice(offset, offset + size)] = 1.0;
                offset += size;
            }
            return (own.SubtractedFrom(Keep.One), own);
        }
    }

    /// <summary>Per run: the sampling streams' states at the start of the current block (for checkpoints).</summary>
    internal Tensor[] GeneratorStates() =>
        Step % SampleBlock != 0 && blockStart != null ? blockStart : generators.Select(g => g.get_state()).ToArray();

    void RedrawBlock(int batch)
    {
        var step = Step;
        Step -= step % SampleBlock;
        SampleBatch(batch).Dispose();
        Step = step;
    }

    internal Adam Optimiser => adam;

    /// <summary>
    /// A trainer at <paramref name="step"/> with the given weights, for a checkpoint reader, which then loads the
    /// optimiser (<see cref="Optimiser"/>) and the sampling streams (<see cref="RestoreGenerators"/>).
    /// </summary>
    internal static ColaTrainer Restore(DifferentiableGame game, ColaSettings settings, double[] alphas, long[] seeds, int step, Tensor parameters, Device? device)
    {
        var networks = ColaNetworks.FromParameters(game.ForSecondOrderTraining(), settings, parameters.to(device ?? CPU).detach().requires_grad_(true), alphas);
        return new ColaTrainer(networks, alphas, seeds, step, seeds.Select(_ => new Generator(0)).ToArray());
    }

    /// <summary>Sets the progress history a checkpoint saved.</summary>
    internal void RestoreHistory(IEnumerable<(int Step, double[] Losses)> saved)
    {
        history.Clear();
        history.AddRange(saved);
        replay = history.Count;
    }

    /// <summary>Sets the sampling streams to the states a checkpoint saved (those at the start of the current block).</summary>
    internal void RestoreGenerators(IReadOnlyList<Tensor> states)
    {
        foreach (var (g, state) in generators.Zip(states)) g.set_state(state);
        // Mid-block: redraw the block from its start state; the step offset picks up where the run stopped.
        if (Step % SampleBlock != 0) RedrawBlock(Settings.Batch);
    }
}
