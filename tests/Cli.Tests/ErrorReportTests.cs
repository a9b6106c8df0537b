using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>What the tool prints when a command throws: one line, never a stack trace unless HYBRID_DEBUG=1 asks for it.</summary>
public class ErrorReportTests
{
    static (int Code, string[] Lines) Report(Func<int> command, bool debug = false)
    {
        var stderr = new StringWriter();
        var code = CommandLine.Guarded(command, stderr, debug);
        return (code, stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void AnUnexpectedExceptionIsOneLineWithItsTypeAndExitCode70()
    {
        var (code, lines) = Report(() => throw new NullReferenceException("the table lost its rows"));
        Assert.Equal(70, code);
        Assert.Equal("hybrid: internal error: System.NullReferenceException: the table lost its rows (set HYBRID_DEBUG=1 for the stack trace)", Assert.Single(lines));
    }

    [Fact]
    public void HybridDebugAddsTheStackTrace()
    {
        var (code, lines) = Report(() => throw new NullReferenceException("the table lost its rows"), debug: true);
        Assert.Equal(70, code);
        Assert.Equal("hybrid: internal error: System.NullReferenceException: the table lost its rows", lines[0]);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("at ") && l.Contains(nameof(HybridDebugAddsTheStackTrace)));
    }

    [Fact]
    public void AUserCausedExceptionIsOneLineAndExitCode2()
    {
        var (code, lines) = Report(() => throw new InvalidDataException("mp.ckpt is truncated (read 10 of 52 bytes)\nmore detail"));
        Assert.Equal(2, code);
        Assert.Equal("hybrid: error: mp.ckpt is truncated (read 10 of 52 bytes)", Assert.Single(lines));
    }

    [Fact]
    public void WrappedExceptionsAreJudgedByWhatTheyWrap()
    {
        var (code, lines) = Report(() => throw new AggregateException(new FormatException("points.csv:3: 'x' is not a number")));
        Assert.Equal(2, code);
        Assert.Equal("hybrid: error: points.csv:3: 'x' is not a number", Assert.Single(lines));
        (code, lines) = Report(() => throw new AggregateException(new KeyNotFoundException("no such run")));
        Assert.Equal(70, code);
        Assert.StartsWith("hybrid: internal error: System.Collections.Generic.KeyNotFoundException: no such run", Assert.Single(lines));
    }

    [Fact]
    public void AValueOutOfRangeIsNamed()
    {
        var (code, lines) = Report(() => throw new ArgumentOutOfRangeException("order", -3, "the HOLA order must be >= 0"));
        Assert.Equal(2, code);
        Assert.Equal("hybrid: error: the HOLA order must be >= 0 (Parameter 'order') (got -3)", Assert.Single(lines));
    }

    [Fact]
    public void CommandsRunThroughTheGuard()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, CommandLine.Run(new[] { "learn", "--game", "tandem", "--rule", "hola_-1", "--alpha", "1", "--steps", "1" }, new StringWriter(), stderr));
        Assert.StartsWith("hybrid: error: ", Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
