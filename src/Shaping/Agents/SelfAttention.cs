namespace Hybrid.Shaping.Agents;

/// <summary>
/// The attention variant of batch averaging (pax <c>make_GRU_ipd_att_network</c>, thesis eq. 4) over the E hidden states
/// of one co-player's environments, x [E, H]: a = MHA(LN1(x)) (one head, key size H, queries, keys and values from
/// LN1(x) with biases, scores / sqrt(H), softmax over the environments, output projection with bias), then
/// x &lt;- 0.5 x + 0.5 (LN2(a + x) W_m + b_m). Both layer norms normalise each unit across the environments (Haiku
/// LayerNorm with axis -2; scale and offset per unit, eps 1e-5): a pax quirk kept for parity. Blocks:
/// ln1 scale/offset [H], query/key/value/out w [H, H] and b [H], ln2 scale/offset [H], mlp w [H, H], b [H].
/// </summary>
sealed class SelfAttention
{
    readonly int h, hp, envs;
    readonly double[] ln1Scale, ln1Offset, ln2Scale, ln2Offset, mlpB;
    readonly double[][] w = new double[5][], b = new double[4][]; // query, key, value, out, mlp
    readonly double[] normed, q, k, v, attended, projected, scores;

    public SelfAttention(int hidden, int padded, int envs)
    {
        h = hidden;
        hp = padded;
        this.envs = envs;
        ln1Scale = new double[h]; ln1Offset = new double[h]; ln2Scale = new double[h]; ln2Offset = new double[h]; mlpB = new double[h];
        for (var i = 0; i < 5; i++) w[i] = new double[h * h];
        for (var i = 0; i < 4; i++) b[i] = new double[h];
        normed = new double[envs * h]; q = new double[envs * h]; k = new double[envs * h]; v = new double[envs * h];
        attended = new double[envs * h]; projected = new double[envs * h]; scores = new double[envs];
    }

    /// <summary>The parameter blocks, in layout order.</summary>
    public static IEnumerable<ParameterBlock> Blocks(int hidden) => new ParameterBlock[]
    {
        new("att/ln1/scale", hidden), new("att/ln1/offset", hidden),
        new("att/query/w", hidden, hidden), new("att/query/b", hidden), new("att/key/w", hidden, hidden), new("att/key/b", hidden),
        new("att/value/w", hidden, hidden), new("att/value/b", hidden), new("att/out/w", hidden, hidden), new("att/out/b", hidden),
        new("att/ln2/scale", hidden), new("att/ln2/offset", hidden), new("att/mlp/w", hidden, hidden), new("att/mlp/b", hidden),
    };

    /// <summary>Number of attention parameters.</summary>
    public static int Count(int hidden) => Blocks(hidden).Sum(x => x.Size);

    public void Load(ReadOnlySpan<float> parameters)
    {
        var reader = new BlockReader(parameters);
        Copy(reader.Next(h), ln1Scale);
        Copy(reader.Next(h), ln1Offset);
        for (var i = 0; i < 4; i++) { Copy(reader.Next(h * h), w[i]); Copy(reader.Next(h), b[i]); }
        Copy(reader.Next(h), ln2Scale);
        Copy(reader.Next(h), ln2Offset);
        Copy(reader.Next(h * h), w[4]);
        Copy(reader.Next(h), mlpB);
    }

    static void Copy(ReadOnlySpan<float> source, double[] target)
    {
        for (var i = 0; i < target.Length; i++) target[i] = source[i];
    }

    /// <summary>Mixes the hidden states x [E, Hp] (padded rows) of one group in place.</summary>
    public void Mix(Span<float> x)
    {
        // LN1 across environments, per unit
        LayerNorm(x, null, ln1Scale, ln1Offset, normed);
        Project(normed, w[0], b[0], q);
        Project(normed, w[1], b[1], k);
        Project(normed, w[2], b[2], v);
        var scale = 1 / Math.Sqrt(h);
        for (var e = 0; e < envs; e++)
        {
            var max = double.NegativeInfinity;
            for (var f = 0; f < envs; f++)
            {
                double dot = 0;
                for (var j = 0; j < h; j++) dot += q[e * h + j] * k[f * h + j];
                scores[f] = dot * scale;
                max = Math.Max(max, scores[f]);
            }
            double sum = 0;
            for (var f = 0; f < envs; f++) { scores[f] = Math.Exp(scores[f] - max); sum += scores[f]; }
            for (var j = 0; j < h; j++)
            {
                double acc = 0;
                for (var f = 0; f < envs; f++) acc += scores[f] * v[f * h + j];
                attended[e * h + j] = acc / sum;
            }
        }
        Project(attended, w[3], b[3], projected);
        // LN2(a + x), then the linear layer, then the 0.5 / 0.5 mix with the old state
        LayerNorm(x, projected, ln2Scale, ln2Offset, normed);
        Project(normed, w[4], mlpB, q);
        for (var e = 0; e < envs; e++)
            for (var j = 0; j < h; j++) x[e * hp + j] = (float)(0.5 * x[e * hp + j] + 0.5 * q[e * h + j]);
    }

    void LayerNorm(Span<float> x, double[]? add, double[] scale, double[] offset, double[] output)
    {
        for (var j = 0; j < h; j++)
        {
            double mean = 0;
            for (var e = 0; e < envs; e++) mean += x[e * hp + j] + (add?[e * h + j] ?? 0);
            mean /= envs;
            double variance = 0;
            for (var e = 0; e < envs; e++) { var d = x[e * hp + j] + (add?[e * h + j] ?? 0) - mean; variance += d * d; }
            variance /= envs;
            var inv = 1 / Math.Sqrt(variance + 1e-5);
            for (var e = 0; e < envs; e++) output[e * h + j] = (x[e * hp + j] + (add?[e * h + j] ?? 0) - mean) * inv * scale[j] + offset[j];
        }
    }

    void Project(double[] input, double[] weight, double[] bias, double[] output)
    {
        for (var e = 0; e < envs; e++)
            for (var j = 0; j < h; j++)
            {
                var acc = bias[j];
                for (var i = 0; i < h; i++) acc += input[e * h + i] * weight[i * h + j];
                output[e * h + j] = acc;
            }
    }
}
