namespace Hybrid.Shaping.Trials;

/// <summary>
/// What one trial produced for one population member: both players' rewards, the joint-action visitation (row
/// player's view, own action first) and, with detail, the same per episode plus each player's mean P(cooperate) per
/// observed state.
/// </summary>
public sealed class TrialRecord
{
    /// <summary>Storage for a trial of <paramref name="outer"/> episodes over <paramref name="layout"/>.</summary>
    public TrialRecord(TrialLayout layout, int outer, int inner, bool detail)
    {
        Layout = layout;
        Outer = outer;
        Inner = inner;
        Detail = detail;
        if (!detail) return;
        RowByEpisode = new double[outer * layout.CoPlayers];
        ColumnByEpisode = new double[outer * layout.CoPlayers];
        VisitsByEpisode = new long[outer * 4];
        ProbCooperateSum = new double[2 * outer * 5];
        StateCount = new long[2 * outer * 5];
    }

    /// <summary>The batch layout.</summary>
    public TrialLayout Layout { get; }
    /// <summary>Episodes.</summary>
    public int Outer { get; }
    /// <summary>Steps per episode.</summary>
    public int Inner { get; }
    /// <summary>Whether per-episode detail is kept.</summary>
    public bool Detail { get; }

    /// <summary>Sum of the row player's rewards over every row and step.</summary>
    public double RowTotal { get; internal set; }
    /// <summary>Sum of the column player's rewards.</summary>
    public double ColumnTotal { get; internal set; }
    /// <summary>Visits of CC, CD, DC, DD over the trial (row player's view).</summary>
    public long[] Visits { get; } = new long[4];

    /// <summary>Row player's reward summed over each episode's steps and a co-player's environments: [episode, co-player].</summary>
    public double[] RowByEpisode { get; } = Array.Empty<double>();
    /// <summary>Column player's, as <see cref="RowByEpisode"/>.</summary>
    public double[] ColumnByEpisode { get; } = Array.Empty<double>();
    /// <summary>Visits per episode [episode, joint action].</summary>
    public long[] VisitsByEpisode { get; } = Array.Empty<long>();
    /// <summary>Sum of P(cooperate) of [seat, episode, observed state] (each seat's own view).</summary>
    public double[] ProbCooperateSum { get; } = Array.Empty<double>();
    /// <summary>Steps on which [seat, episode, state] was observed.</summary>
    public long[] StateCount { get; } = Array.Empty<long>();

    /// <summary>Row player's mean reward per step (the ES fitness).</summary>
    public double RowPerStep => RowTotal / ((double)Outer * Inner * Layout.Rows);
    /// <summary>Column player's mean reward per step.</summary>
    public double ColumnPerStep => ColumnTotal / ((double)Outer * Inner * Layout.Rows);

    internal void Clear()
    {
        RowTotal = ColumnTotal = 0;
        Array.Clear(Visits);
        Array.Clear(RowByEpisode);
        Array.Clear(ColumnByEpisode);
        Array.Clear(VisitsByEpisode);
        Array.Clear(ProbCooperateSum);
        Array.Clear(StateCount);
    }
}

/// <summary>
/// One trial of a finite iterated matrix game between two seats over the rows of a layout (thesis Algorithm 1/2, pax's
/// <c>runner_evo</c>): every episode starts from START, both seats act on their own view, actions are drawn from the
/// generation's common uniforms, and after the last step of an episode the seats' <see cref="ISeat.EndEpisode"/> runs
/// (co-player updates, M-FOS's meta step). Holds one worker's buffers; reuse it across members.
/// </summary>
public sealed class MatrixTrial
{
    readonly MatrixPayoff game;
    readonly TrialLayout layout;
    readonly int outer, inner;
    readonly byte[] rowObs, columnObs, rowAction, columnAction;
    readonly float[] rowProb, columnProb, rowReward, columnReward;

    /// <summary>Buffers for trials of <paramref name="outer"/> episodes of <paramref name="inner"/> steps.</summary>
    public MatrixTrial(MatrixPayoff game, TrialLayout layout, int outer, int inner)
    {
        layout.Validate();
        if (outer < 1 || inner < 1) throw new ArgumentOutOfRangeException(nameof(outer), "outer and inner must be at least 1");
        this.game = game;
        this.layout = layout;
        this.outer = outer;
        this.inner = inner;
        var n = layout.Rows;
        rowObs = new byte[n]; columnObs = new byte[n]; rowAction = new byte[n]; columnAction = new byte[n];
        rowProb = new float[n]; columnProb = new float[n]; rowReward = new float[n]; columnReward = new float[n];
    }

    /// <summary>Plays one trial of <paramref name="row"/> against <paramref name="column"/> into <paramref name="record"/>.</summary>
    public void Run(ISeat row, ISeat column, TrialNoise noise, TrialRecord record)
    {
        if (noise.Outer != outer || noise.Inner != inner || noise.Rows != layout.Rows) throw new ArgumentException("the noise was drawn for another trial shape");
        record.Clear();
        row.BeginTrial(noise, 0);
        column.BeginTrial(noise, 1);
        var rows = layout.Rows;
        var envs = layout.Envs;
        var payRow = game.Row;
        var payColumn = game.Column;
        var detail = record.Detail;
        double rowTotal = 0, columnTotal = 0;
        Span<long> visits = stackalloc long[4];
        visits.Clear();
        for (var episode = 0; episode < outer; episode++)
        {
            row.BeginEpisode(episode);
            column.BeginEpisode(episode);
            Array.Fill(rowObs, MatrixPayoff.Start);
            Array.Fill(columnObs, MatrixPayoff.Start);
            for (var t = 0; t < inner; t++)
            {
                row.Act(rowObs, rowProb);
                column.Act(columnObs, columnProb);
                var u0 = noise.Uniforms(0, episode, t);
                var u1 = noise.Uniforms(1, episode, t);
                if (detail) RecordPolicies(record, episode);
                for (var r = 0; r < rows; r++)
                {
                    var a0 = u0[r] < rowProb[r] ? 0 : 1;
                    var a1 = u1[r] < columnProb[r] ? 0 : 1;
                    var joint = 2 * a0 + a1;
                    rowAction[r] = (byte)a0;
                    columnAction[r] = (byte)a1;
                    rowReward[r] = payRow[joint];
                    columnReward[r] = payColumn[joint];
                    rowTotal += payRow[joint];
                    columnTotal += payColumn[joint];
                    visits[joint]++;
                    if (detail)
                    {
                        record.RowByEpisode[episode * layout.CoPlayers + r / envs] += payRow[joint];
                        record.ColumnByEpisode[episode * layout.CoPlayers + r / envs] += payColumn[joint];
                        record.VisitsByEpisode[episode * 4 + joint]++;
                    }
                }
                row.Observe(t, rowObs, rowAction, rowReward);
                column.Observe(t, columnObs, columnAction, columnReward);
                for (var r = 0; r < rows; r++)
                {
                    var joint = (byte)(2 * rowAction[r] + columnAction[r]);
                    rowObs[r] = joint;
                    columnObs[r] = MatrixPayoff.Mirror(joint);
                }
            }
            row.EndEpisode(episode);
            column.EndEpisode(episode);
        }
        record.RowTotal = rowTotal;
        record.ColumnTotal = columnTotal;
        for (var j = 0; j < 4; j++) record.Visits[j] = visits[j];
    }

    void RecordPolicies(TrialRecord record, int episode)
    {
        for (var r = 0; r < layout.Rows; r++)
        {
            var i = episode * 5 + rowObs[r];
            record.ProbCooperateSum[i] += rowProb[r];
            record.StateCount[i]++;
            var j = (outer + episode) * 5 + columnObs[r];
            record.ProbCooperateSum[j] += columnProb[r];
            record.StateCount[j]++;
        }
    }
}
