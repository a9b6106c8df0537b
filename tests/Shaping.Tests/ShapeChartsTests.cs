using Hybrid.Charts;
using Hybrid.Shaping.Training;
using Xunit;

namespace Hybrid.Shaping.Tests;

public class ShapeChartsTests
{
    static string Metrics(string stats, string values)
    {
        var path = Path.Combine(Path.GetTempPath(), $"hybrid-shape-charts-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path, new[]
        {
            $"generation,fitness_mean,fitness_best,fitness_std,coplayer_reward,{stats},sigma,lrate,seconds",
            $"1,-2.3,-2.2,0.01,-1.1,{values},0.04,0.1,0.16",
            $"2,-2.0,-1.9,0.01,-1.2,{values},0.04,0.1,0.16",
        });
        return path;
    }

    [Fact]
    public void RolesAndJointActionsHaveOneColourInEveryPanel()
    {
        var matrix = Metrics("cc,cd,dc,dd", "0.1,0.2,0.3,0.4");
        var grid = Metrics("own_coin_meta,own_coin_coplayer,coins_meta,coins_coplayer", "0.5,0.4,3,2");
        try
        {
            foreach (var spec in new[] { ShapeCharts.Training(matrix, "ipd"), ShapeCharts.Training(grid, "coin game") })
            {
                var colors = ChartStyle.Colors(spec);
                Assert.Equal(ChartStyle.Palette[0], colors["meta-agent"]);
                Assert.Equal(ChartStyle.Palette[1], colors["co-players"]);
                // Population mean and best member: the meta-agent's colour, told apart by the dash.
                var fitness = spec.Panels[0].Series;
                Assert.Equal(new[] { "meta-agent", "meta-agent", "co-players" }, fitness.Select(s => s.ColorKey));
                Assert.Equal(LineStyle.Dashed, fitness[1].Style);
            }
            var coin = ShapeCharts.Training(grid, "coin game");
            // The gridworld statistics are named by their player: two legend rows, not four.
            Assert.Equal(new[] { "meta-agent", "co-players" }, coin.Panels[1].Series.Select(s => s.Name));
            Assert.Equal(new[] { "meta-agent", "co-players" }, coin.Panels[2].Series.Select(s => s.Name));
            Assert.Equal("coins", coin.Panels[2].Title);
            var shown = ChartStyle.LegendShown(coin);
            var legend = coin.Panels.SelectMany((p, i) => p.Series.Where((_, k) => shown[i][k]).Select(s => s.Name)).ToArray();
            Assert.Equal(legend.Distinct(), legend);
            Assert.Equal(new[] { "CC", "CD", "DC", "DD" }, ShapeCharts.Training(matrix, "ipd").Panels[1].Series.Select(s => s.ColorKey));
        }
        finally { File.Delete(matrix); File.Delete(grid); }
    }
}
