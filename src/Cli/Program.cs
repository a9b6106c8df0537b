using Hybrid.Cli;
using Hybrid.Cli.Commands;
using Hybrid.Cli.Hosting;
using Hybrid.Cli.Parsing;

// A crash on another thread would otherwise end in the runtime's own report with a stack trace.
AppDomain.CurrentDomain.UnhandledException += (_, e) => Environment.Exit(CommandLine.Report(e.ExceptionObject as Exception ?? new Exception($"{e.ExceptionObject}"), Console.Error, CommandLine.DebugRequested));
return CommandLine.Guarded(() => NativeSettings.RerunWithNativeSettings(args) ?? CommandLine.Run(args, Console.Out, Console.Error), Console.Error, CommandLine.DebugRequested);

namespace Hybrid.Cli
{
    /// <summary>Entry point of the hybrid tool: dispatches to a command; bad input is one line and exit code 2, a failure of the tool one line and exit code 70.</summary>
    public static class CommandLine
    {
        /// <summary>Usage text.</summary>
        public const string Usage = """
            hybrid: learning in differentiable games

            usage:
              hybrid consistency --game G --alphas A1,A2 [--orders 1,2,6] [--samples 1000] [--seed 0]
                                 [--points FILE] [--rules lola_taylor,sos,cgd,lookahead|none] [--json]
                                 [--cola RUNS [--cola-steps N] [--cola-seed S] [--checkpoint FILE [--checkpoint-every N] [--resume]]]
              hybrid learn --game G --rule R --alpha A --steps T [--seeds 10] [--seed 0] [--init-std 1] [--json]
                           (--rule cola --cola-file F [--cola-run K]: a pair saved by `hybrid cola`)
              hybrid cola --game G --alphas A1,A2 --out FILE [--runs 10] [--steps N] [--seed 0]
                          [--checkpoint FILE [--checkpoint-every N] [--resume]] [--json]
              hybrid reproduce <game|all> [--out results] [--seeds 5] [--fast] [--cola-runs 10] [--cola-steps 120000]
                                          [--checkpoint FILE [--resume]]
              hybrid reproduce tables [--seeds 5]
              hybrid bench hola [--game ipd] [--alpha 1] [--samples 250] [--max-order 7] [--ipd-value solve|closed-form]
              hybrid bench cola [--game tandem] [--alpha 1] [--steps 5000] [--runs 10]
              hybrid bench envs [--env E|all] [--num-envs 1,100,10000] [--steps 1000] [--seed 0] [--json]
              hybrid bench qlearn [--algo qmix|vdn|iql] [--env MPE_simple_spread_v3] [--seeds 1] [--updates 200] [--json]
              hybrid bench dqn [--env minatar_breakout] [--seeds 1] [--steps 20000] [--torch-only] [--json]
              hybrid render --env E --out F.gif|F.png|F.txt [--seed 0] [--steps 50] [--delay 20] [--text]
              hybrid train --algo ppo|ippo|mappo|dqn|rainbow|der|drq_eps|iql|vdn|qmix|pqn_vdn --env E [--config F.json] [--set key=value ...] [--seeds 1] [--steps N]
                           [--out results/train/ALGO-ENV] [--resume] [--json] [--no-tensorboard]
              hybrid shape train [--method shaper|mfos|gs|ctnl|ptnl|mfos_rl] [--env ipd|imp|coin_game|storm_2p] [--config F.json] [--set key=value ...]
                                 [--out results/shape/METHOD-ENV] [--resume] [--json]
              hybrid shape eval --run DIR [--coplayers 20] [--coplayer tabular|hardstop:K|hardstop:random|tit_for_tat|...|ppo_gru|good_greedy|...] [--outer N]
                                [--agent best|mean] [--seed S] [--out DIR] [--json]
              hybrid shape crossplay --runs A,B,C [--pairs 20] [--outer N] [--agent best|mean] [--seed 0] [--json]
              hybrid shape bench [--method shaper] [--env ipd] [--pop 128] [--opps 4] [--envs 2] [--outer 50] [--inner 50]
                                 [--generations 3] [--threads 0] [--json]
              hybrid shape competency [--opponent pretrained|good_greedy|evil_greedy|random_greedy|random] [--learners 5]
                                      [--outer 100] [--egocentric true|false] [--set key=value ...] [--seed 0] [--out DIR] [--json]
              hybrid eval --run DIR[,DIR...] [--fraction 0.1] [--episodes N [--policy greedy|sample] [--epsilon E]] [--high H1,H2] [--reps 50000] [--seed 0] [--html F.html] [--json]

            games: tandem, hamiltonian, balduzzi, mp, ultimatum, chicken, ipd
            environments (bench envs, render, train): ipd, imp, coin_game, switch_riddle, MPE_simple_v3, MPE_simple_spread_v3,
              MPE_simple_tag_v3, MPE_simple_adversary_v3, MPE_simple_push_v3, MPE_simple_speaker_listener_v4,
              MPE_simple_reference_v3, MPE_simple_crypto_v3, MPE_simple_world_comm_v3, MPE_simple_continuous_v3, MPE_simple_spread_continuous_v3,
              storm_2p, storm, minatar_breakout, minatar_space_invaders, minatar_freeway, minatar_asterix, minatar_seaquest
            rules: naive, lookahead, lookahead_N, lola_taylor, lola_exact, hola_N, hola_taylor_N, sos, cgd, cgd_N, ilola, ilola_taylor, cola
            """;

        /// <summary>Exit code for input the user got wrong: bad options, unreadable or foreign files, values out of range.</summary>
        public const int BadInput = 2;

        /// <summary>Exit code for a failure of the tool itself (EX_SOFTWARE of sysexits.h).</summary>
        public const int InternalError = 70;

        /// <summary>True when the environment asks for stack traces (HYBRID_DEBUG=1).</summary>
        public static bool DebugRequested => Environment.GetEnvironmentVariable("HYBRID_DEBUG") == "1";

        /// <summary>Runs one command; returns the process exit code (0 ok, 2 bad input, 70 internal error).</summary>
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Guarded(() => Dispatch(args, stdout, stderr), stderr, DebugRequested);

        /// <summary>
        /// Runs <paramref name="command"/> and turns any exception into one line on <paramref name="stderr"/>: exit code
        /// <see cref="BadInput"/> for what the user caused, <see cref="InternalError"/> for everything else, with the stack
        /// trace only when <paramref name="debug"/> is set.
        /// </summary>
        public static int Guarded(Func<int> command, TextWriter stderr, bool debug)
        {
            try { return command(); }
            catch (Exception e) { return Report(e, stderr, debug); }
        }

        /// <summary>Writes the one-line report of <paramref name="exception"/> (and with <paramref name="debug"/> its stack trace); returns the exit code.</summary>
        public static int Report(Exception exception, TextWriter stderr, bool debug)
        {
            var e = Unwrap(exception);
            if (IsUserCaused(e))
            {
                stderr.WriteLine($"hybrid: error: {OneLine(e)}");
                if (debug) stderr.WriteLine(exception);
                return BadInput;
            }
            stderr.WriteLine($"hybrid: internal error: {e.GetType().FullName}: {OneLine(e)}{(debug ? "" : " (set HYBRID_DEBUG=1 for the stack trace)")}");
            if (debug) stderr.WriteLine(exception);
            return InternalError;
        }

        // InvalidOperationException and NotSupportedException stay here because the environments throw them for
        // requests the user made (an action space a command cannot drive, an environment without pictures).
        static bool IsUserCaused(Exception e) => e is UsageException or ArgumentException or FormatException or IOException or InvalidDataException
            or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException or NotSupportedException
            or System.Runtime.InteropServices.ExternalException or Games.Rules.RuleDivergedException;

        // Parallel loops and reflection wrap the exception that matters.
        static Exception Unwrap(Exception e) => e switch
        {
            AggregateException a when a.Flatten().InnerExceptions.Count == 1 => Unwrap(a.Flatten().InnerExceptions[0]),
            System.Reflection.TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
            _ => e,
        };

        // Native errors carry libtorch's C++ backtrace after the first line; an out-of-range value comes on the second.
        static string OneLine(Exception e)
        {
            var line = e.Message.Split('\n')[0].Trim();
            if (e is ArgumentOutOfRangeException { ActualValue: { } value } && !line.Contains($"{value}", StringComparison.Ordinal))
                line += $" (got {value})";
            return line;
        }

        static int Dispatch(string[] args, TextWriter stdout, TextWriter stderr)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                stdout.WriteLine(Usage);
                return args.Length == 0 ? BadInput : 0;
            }
            var rest = args[1..];
            return args[0] switch
            {
                "consistency" => ConsistencyCommand.Run(Arguments.Parse(rest, ConsistencyCommand.Options), stdout, stderr),
                "learn" => LearnCommand.Run(Arguments.Parse(rest, LearnCommand.Options), stdout),
                "reproduce" => ReproduceCommand.Run(rest, stdout, stderr),
                "bench" => BenchCommand.Run(rest, stdout),
                "cola" => ColaCommand.Run(Arguments.Parse(rest, ColaCommand.Options), stdout, stderr),
                "render" => RenderCommand.Run(Arguments.Parse(rest, RenderCommand.Options), stdout),
                "train" => TrainCommand.Run(Arguments.Parse(rest, TrainCommand.Options), stdout, stderr),
                "eval" => EvalCommand.Run(Arguments.Parse(rest, EvalCommand.Options), stdout),
                "shape" => ShapeCommand.Run(rest, stdout, stderr),
                _ => throw new UsageException($"unknown command '{args[0]}' (commands: consistency, learn, cola, reproduce, bench, render, train, eval, shape)"),
            };
        }
    }
}
