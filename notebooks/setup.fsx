// Shared set-up of the notebooks, loaded by their first cell with `#load "setup.fsx"` in the .NET Interactive F#
// kernel (Jupyter, VS Code Polyglot Notebooks, dotnet-repl). It references the built Hybrid assemblies (run
// `dotnet build -c Release` first), and offers the theorem checks, Markdown output and charts rendered by the
// library's shared renderer (Hybrid.Charts.ChartHtml). HYBRID_FAST=1 selects the fast mode (CI).
#r "../artifacts/bin/Release/TorchSharp.dll"
#r "../artifacts/bin/Release/MathNet.Numerics.dll"
#r "../artifacts/bin/Release/Hybrid.Kernel.dll"
#r "../artifacts/bin/Release/Hybrid.Games.Core.dll"
#r "../artifacts/bin/Release/Hybrid.Scaling.dll"
#r "../artifacts/bin/Release/Hybrid.Shaping.dll"

open System
open System.Diagnostics
open System.IO
open System.Reflection
open System.Runtime.Loader
open Microsoft.DotNet.Interactive
open Microsoft.DotNet.Interactive.FSharp.FSharpKernelHelpers
open TorchSharp
open Hybrid.Charts

// Notebooks may call TorchSharp before any Hybrid type, so they load its native library (patched where the system
// libstdc++ is older than GCC 13) the way TorchSharp-first code does (README, platform notes).
Hybrid.Kernel.TorchNative.Load() |> ignore

/// True in fast mode (environment variable HYBRID_FAST=1): small trainings that finish in CI.
let fast = Environment.GetEnvironmentVariable "HYBRID_FAST" = "1"

/// "fast" or "full", for the notebooks' headings.
let mode = if fast then "fast" else "full"

let private bin = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", "artifacts", "bin", "Release"))

/// Shows Markdown as a cell output (text/markdown).
let markdown (text: string) = text.DisplayAs "text/markdown" |> ignore

/// A theorem check: prints the statement with its verdict; a failed one fails the cell (and a headless run exits
/// with code 2).
let check (statement: string) (holds: bool) (detail: string) =
    printfn "%s %s (%s)" (if holds then "[holds]" else "[FAILS]") statement detail
    if not holds then failwithf "theorem check failed: %s (%s)" statement detail

/// An empirical claim of the thesis (a learning outcome): printed with its verdict, never fails, because fast-mode
/// trainings are too short to settle it.
let claim (statement: string) (holds: bool) (detail: string) =
    printfn "%s %s (%s)" (if holds then "[claim holds]" else "[claim does not hold]") statement detail

/// Where the standalone charts and reports go: results/notebooks/<name>/.
let outputDir name =
    let dir = Path.Combine(__SOURCE_DIRECTORY__, "..", "results", "notebooks", name) |> Path.GetFullPath
    Directory.CreateDirectory dir |> ignore
    dir

let tensor (values: float[]) (rows: int64) (cols: int64) =
    torch.tensor(values, dtype = torch.ScalarType.Float64).reshape(rows, cols)

let values (t: torch.Tensor) = t.detach().cpu().contiguous().data<float>().ToArray()

// Hybrid.Charts renders with Plotly.NET, which needs a newer FSharp.Core than the kernel's own, so it is loaded with
// its F# dependencies into a context of its own; the chart model (Hybrid.Kernel) and everything else is shared.
let private privateAssemblies = set [ "Hybrid.Charts"; "Plotly.NET"; "Plotly.NET.CSharp"; "DynamicObj"; "Fable.Core"; "Giraffe.ViewEngine"; "FSharp.Core"; "Newtonsoft.Json" ]

type private ChartContext() =
    inherit AssemblyLoadContext("Hybrid.Charts renderer", false)
    override this.Load(name: AssemblyName) =
        if privateAssemblies.Contains name.Name then this.LoadFromAssemblyPath(Path.Combine(bin, name.Name + ".dll"))
        else
            AppDomain.CurrentDomain.GetAssemblies()
            |> Array.tryFind (fun a -> a.GetName().Name = name.Name && not (obj.ReferenceEquals(AssemblyLoadContext.GetLoadContext a, this)))
            |> Option.toObj

let private renderer = lazy (ChartContext().LoadFromAssemblyName(AssemblyName "Hybrid.Charts").GetType("Hybrid.Charts.ChartHtml", true))

/// ChartHtml.Html(spec, embedPlotly).
let chartHtml (spec: ChartSpec) (embedPlotly: bool) =
    renderer.Value.GetMethod("Html").Invoke(null, [| box spec; box embedPlotly |]) :?> string

/// ChartHtml.Write(spec, dir): a standalone HTML file (plotly.js embedded).
let writeChart (spec: ChartSpec) (dir: string) =
    renderer.Value.GetMethod("Write").Invoke(null, [| box spec; box dir |]) :?> string

let private chromium = [ "/usr/bin/chromium"; "/usr/bin/chromium-browser"; "/usr/bin/google-chrome" ] |> List.tryFind File.Exists

/// A PNG of a standalone chart file from headless Chromium, if it is installed (for viewers that run no scripts).
let private screenshot (html: string) (png: string) (width: int) (height: int) =
    match chromium with
    | None -> false
    | Some exe ->
        let profile = Path.Combine(Path.GetTempPath(), "hybrid-notebook-chromium-" + Guid.NewGuid().ToString "N")
        let args =
            [ "--headless"; "--no-sandbox"; "--disable-gpu"; "--disable-quic"; "--no-first-run"; "--disable-background-networking"
              "--disable-component-update"; "--disable-sync"; "--hide-scrollbars"; "--virtual-time-budget=5000"; $"--user-data-dir={profile}"
              $"--screenshot={png}"; $"--window-size={width},{height}"; "file://" + html ]
        let info = ProcessStartInfo(exe, args, RedirectStandardOutput = true, RedirectStandardError = true)
        use p = Process.Start info
        p.StandardOutput.ReadToEndAsync() |> ignore
        p.StandardError.ReadToEndAsync() |> ignore
        let exited = p.WaitForExit 60000
        if not exited then p.Kill true
        try Directory.Delete(profile, true) with _ -> ()
        exited && p.ExitCode = 0 && File.Exists png

/// Shows a chart: writes it as standalone HTML into `dir`, shows it inline (plotly.js from the CDN), and, where
/// headless Chromium is installed, a PNG of it first, for viewers that run no scripts (GitHub's notebook view).
let chart (dir: string) (spec: ChartSpec) =
    let file = writeChart spec dir
    // The size ChartHtml gives the figure (taller rows for arrow fields), so the picture holds the axes and their titles.
    let columns = max 1 (min spec.Columns spec.Panels.Count)
    let rows = (spec.Panels.Count + columns - 1) / columns
    let rowHeight = if spec.Panels |> Seq.exists (fun p -> p.Kind = PanelKind.Arrows) then 1000 / columns else 400
    let width, height = 1100, max 450 (rowHeight * rows + 140)
    let png = Path.ChangeExtension(file, ".png")
    if screenshot file png width height then
        (Convert.ToBase64String(File.ReadAllBytes png)).DisplayAs "image/png" |> ignore
    HTML(chartHtml spec false) |> display |> ignore
    printfn "chart: results/notebooks/%s/%s" (Path.GetFileName dir) spec.File

/// Directory of COLA training checkpoints shared with the command line (environment variable HYBRID_COLA_CHECKPOINTS).
let colaCheckpoints = Environment.GetEnvironmentVariable "HYBRID_COLA_CHECKPOINTS" |> Option.ofObj |> Option.filter (String.IsNullOrWhiteSpace >> not)

/// How the notebooks run the chapter-3 study of a game: the library's defaults (the thesis' settings) in full mode; in
/// fast mode the library's fast mode with COLA trained for 500 steps, a smoke run that keeps CI short.
/// In full mode with HYBRID_COLA_CHECKPOINTS=DIR the COLA training writes DIR/GAME.ckpt and resumes from it: a
/// notebook run after `hybrid reproduce GAME --checkpoint DIR/GAME.ckpt` continues that training instead of repeating
/// it (the same networks and training curve, as resumption is exact; a checkpoint of other settings is refused).
let studyOptions (game: string) =
    match fast, colaCheckpoints with
    | true, _ -> Hybrid.Games.Reproduction.StudyOptions(Fast = true, ColaSteps = 500)
    | false, Some dir ->
        let file = Path.Combine(dir, game + ".ckpt")
        printfn "COLA training: checkpoint %s (%s)" file (if File.Exists file then "resumed" else "new")
        Hybrid.Games.Reproduction.StudyOptions(Checkpoint = Hybrid.Games.Cola.ColaCheckpoint(file), Resume = true)
    | false, None -> Hybrid.Games.Reproduction.StudyOptions()
