// Shared set-up of the notebooks: loads the built Hybrid assemblies (run `dotnet build -c Release` first) and
// Plotly.NET, and offers helpers for tables and charts. HYBRID_FAST=1 selects the fast mode (CI).
#r "nuget: Plotly.NET, 6.0.0"
#r "../artifacts/bin/Release/TorchSharp.dll"
#r "../artifacts/bin/Release/MathNet.Numerics.dll"
#r "../artifacts/bin/Release/Hybrid.Kernel.dll"
#r "../artifacts/bin/Release/Hybrid.Games.Core.dll"

open System
open System.IO
open Plotly.NET
open TorchSharp

// Notebooks may call TorchSharp before any Hybrid type, so they load its native library (patched where the system
// libstdc++ is older than GCC 13) the way TorchSharp-first code does (README, platform notes).
Hybrid.Kernel.TorchNative.Load() |> ignore

/// True in fast mode (environment variable HYBRID_FAST=1): small trainings that finish in CI.
let fast = Environment.GetEnvironmentVariable "HYBRID_FAST" = "1"

/// The thesis' COLA settings for a game, shortened to a few thousand steps in fast mode.
let colaSettings (game: Hybrid.Games.DifferentiableGame) (fastSteps: int) =
    let full = Hybrid.Games.Cola.ColaSettings.For game
    if fast then full.Shortened fastSteps else full

/// Where charts and reports go: results/notebooks/<name>/.
let outputDir name =
    let dir = Path.Combine(__SOURCE_DIRECTORY__, "..", "results", "notebooks", name)
    Directory.CreateDirectory dir |> ignore
    dir

/// Writes a chart as standalone HTML (plotly.js embedded, no network needed to view it).
let save dir (file: string) (chart: GenericChart) =
    let path = Path.Combine(dir, file)
    chart
    |> Chart.withDisplayOptions (DisplayOptions.init (PlotlyJSReference = PlotlyJSReference.Full))
    |> Chart.saveHtml (path, OpenInBrowser = false)
    printfn "chart: %s" (Path.GetFullPath(path + (if path.EndsWith ".html" then "" else ".html")))

/// A checked statement: prints it with its verdict and counts failures (the script exits non-zero if any).
let mutable failures = 0
let check (statement: string) (holds: bool) (detail: string) =
    if not holds then failures <- failures + 1
    printfn "%s %s (%s)" (if holds then "[holds]" else "[FAILS]") statement detail

/// An empirical claim of the thesis (a learning outcome): printed with its verdict, never fails the script,
/// because in fast mode the trainings are too short to settle it.
let claim (statement: string) (holds: bool) (detail: string) =
    printfn "%s %s (%s)" (if holds then "[claim holds]" else "[claim does not hold]") statement detail

let tensor (values: float[]) (rows: int64) (cols: int64) =
    torch.tensor(values, dtype = torch.ScalarType.Float64).reshape(rows, cols)

let values (t: torch.Tensor) = t.detach().cpu().contiguous().data<float>().ToArray()

/// Arrows of a vector field as one scatter trace: segments separated by NaN (Plotly has no quiver plot).
let arrows (xs: float[]) (ys: float[]) (us: float[]) (vs: float[]) (scale: float) name =
    let px = ResizeArray<float>()
    let py = ResizeArray<float>()
    for k in 0 .. xs.Length - 1 do
        px.AddRange [ xs.[k]; xs.[k] + scale * us.[k]; nan ]
        py.AddRange [ ys.[k]; ys.[k] + scale * vs.[k]; nan ]
    Chart.Line(px, py, Name = name)

let finish () =
    if failures > 0 then
        eprintfn "%d statement(s) failed" failures
        exit 1
