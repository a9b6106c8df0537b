using Hybrid.Cli;
using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>
/// Short PPO, IPPO and MAPPO runs with fixed seeds must reproduce, bit for bit, the metrics recorded with the trainer
/// as it was before the Scaling-core redesign (Golden/record.sh, commit 5471a3c): every loss, entropy, KL, clip
/// fraction, gradient norm and return written with round-trip precision. Timing columns are left out.
/// </summary>
public class GoldenRunTests
{
    const string Common = "num_envs=8 update_epochs=2 num_minibatches=4 seed=3";

    public static IEnumerable<object[]> Runs() => new[]
    {
        new object[] { "ppo_breakout", "ppo", "minatar_breakout", "num_steps=32 total_timesteps=768" },
        new object[] { "ippo_spread", "ippo", "MPE_simple_spread_v3", "num_steps=25 total_timesteps=600" },
        new object[] { "ippo_spread_agent_id", "ippo", "MPE_simple_spread_v3", "num_steps=25 total_timesteps=600 agent_id=true" },
        new object[] { "mappo_spread", "mappo", "MPE_simple_spread_v3", "num_steps=25 total_timesteps=600" },
        new object[] { "ippo_spread_continuous", "ippo", "MPE_simple_spread_continuous_v3", "num_steps=25 total_timesteps=600" },
        new object[] { "ippo_gru_switch_riddle", "ippo", "switch_riddle", "num_steps=32 total_timesteps=768 recurrent=true gru_hidden=16 hidden=16" },
        new object[] { "mappo_gru_spread", "mappo", "MPE_simple_spread_v3", "num_steps=25 total_timesteps=600 recurrent=true gru_hidden=16 hidden=16" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void TheRunReproducesItsGoldenMetricsExactly(string name, string algo, string env, string settings)
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-golden-");
        try
        {
            var args = new List<string> { "train", "--algo", algo, "--env", env, "--seeds", "2", "--out", dir.FullName, "--no-tensorboard" };
            foreach (var pair in (Common + " " + settings).Split(' ')) args.AddRange(new[] { "--set", pair });
            var err = new StringWriter();
            Assert.True(CommandLine.Run(args.ToArray(), new StringWriter(), err) == 0, err.ToString());
            var expected = Deterministic(Path.Combine(AppContext.BaseDirectory, "Golden", name + ".csv"));
            var actual = Deterministic(Path.Combine(dir.FullName, "metrics.csv"));
            Assert.Equal(expected.Header, actual.Header);
            Assert.Equal(expected.Rows.Length, actual.Rows.Length);
            for (var k = 0; k < expected.Rows.Length; k++) Assert.Equal(expected.Rows[k], actual.Rows[k]);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    static readonly string[] Timing = { "steps_per_second", "seconds", "rollout_seconds" };

    /// <summary>metrics.csv without its timing columns, cells keyed by column name so column order does not matter.</summary>
    static (string Header, string[] Rows) Deterministic(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var names = lines[0].Split(',');
        var kept = Enumerable.Range(0, names.Length).Where(i => !Timing.Contains(names[i])).OrderBy(i => names[i], StringComparer.Ordinal).ToArray();
        string Pick(string line) { var cells = line.Split(','); return string.Join(",", kept.Select(i => names[i] + "=" + cells[i])); }
        return (string.Join(",", kept.Select(i => names[i])), lines.Skip(1).Select(Pick).ToArray());
    }
}
