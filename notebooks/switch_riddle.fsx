// The Switch Riddle with 3 prisoners (thesis chapter 5, appendix B.4; JaxMARL's environment): the optimal
// protocol's return by exact enumeration, then GRU IPPO with JaxMARL's settings, and the learned protocol read off
// exactly: the greedy policy's expected return over all 3^6 room sequences and its decision in every situation.
// Run: dotnet build -c Release && dotnet fsi notebooks/switch_riddle.fsx    (HYBRID_FAST=1 for the fast mode)
#load "setup.fsx"
#r "../artifacts/bin/Release/Hybrid.Scaling.dll"
open System
open Plotly.NET
open TorchSharp
open Hybrid.Scaling.Algorithms
open Hybrid.Scaling.Networks
open Setup

let dir = outputDir "switch_riddle"
printfn "Switch Riddle notebook (%s mode)" (if fast then "fast" else "full")
let agents, days = 3, 6
/// All 3^6 equally likely sequences of prisoners in the room.
let sequences = Array.init 729 (fun k -> Array.init days (fun d -> (k / pown 3 d) % 3))

/// Plays a deterministic protocol on every room sequence: decide day firstVisit bulb -> 0 nothing, 1 toggle, 2 tell.
let exactReturn (decide: int -> bool -> bool -> int) =
    sequences |> Array.averageBy (fun seq ->
        let been = Array.zeroCreate agents
        let mutable bulb, result, ended = false, 0.0, false
        for d in 0 .. days - 1 do
            if not ended then
                let i = seq.[d]
                let first = not been.[i]
                been.[i] <- true
                match decide (d + 1) first bulb with
                | 1 -> bulb <- not bulb
                | 2 -> ended <- true; result <- (if Array.forall id been then 1.0 else -1.0)
                | _ -> ()
        result)

// The counting protocol: a first visit after day 1 switches the bulb on if it is off and tells if it is on. It tells
// exactly when the third prisoner first enters, so it earns the oracle's P(all three visit within six days).
let counting = exactReturn (fun day first bulb -> if first && day > 1 then (if bulb then 2 else 1) else 0)
check "the counting protocol earns 540/729 = 0.741, the oracle's return" (abs (counting - 540.0 / 729.0) < 1e-12) (sprintf "%.4f" counting)

// Without the bulb a prisoner knows only the day and its own visits. The best rule of that kind, over all 2^18
// rules "tell on day d if this is my k-th visit" (days 3-6; earlier tells are always wrong), found exhaustively:
// it tells on a first visit on day 5 and on day 6 at a first, second or third visit, and earns 390/729 = 0.535.
let bulbFree =
    let events = sequences |> Array.map (fun seq ->
        let visits = Array.zeroCreate agents
        let seen = Array.zeroCreate agents
        Array.init days (fun d ->
            let i = seq.[d]
            visits.[i] <- visits.[i] + 1
            seen.[i] <- true
            visits.[i], Array.forall id seen))
    let valueOf (masks: int[]) =
        let mutable total = 0
        for ev in events do
            let mutable d = 0
            while d < days do
                let (k, all) = ev.[d]
                if (masks.[d] >>> (k - 1)) &&& 1 = 1 then
                    total <- total + (if all then 1 else -1)
                    d <- days
                else d <- d + 1
        total
    seq { for m3 in 0 .. 7 do for m4 in 0 .. 15 do for m5 in 0 .. 31 do for m6 in 0 .. 63 -> [| 0; 0; m3; m4; m5; m6 |] }
    |> Seq.map (fun masks -> valueOf masks, masks) |> Seq.maxBy fst
let bulbFreeValue = float (fst bulbFree) / 729.0
check "the best bulb-free rule earns 390/729 (tell on a first visit on day 5, on day 6 at visits 1-3)"
    (fst bulbFree = 390 && snd bulbFree = [| 0; 0; 0; 0; 1; 7 |]) (sprintf "%d/729, masks %A" (fst bulbFree) (snd bulbFree))

// GRU IPPO with JaxMARL's settings (64 environments, 128 steps, 1e6 steps); fast mode: a few small updates.
let config =
    let c = PpoConfig.For(PpoVariant.Ippo, "switch_riddle", recurrent = true)
    if fast then
        c.NumEnvs <- 8
        c.TotalTimesteps <- 8L * 128L * 4L
    c
let trainer = new PpoTrainer(PpoVariant.Ippo, "switch_riddle", config)
let curve = ResizeArray<float * float>()
trainer.Train(fun m -> if not (Double.IsNaN m.["return"].[0]) then curve.Add(float m.EnvSteps, m.["return"].[0]))
printfn "trained %d steps: training return (last 10%% of episodes) %.3f" trainer.EnvSteps (trainer.FinalReturns().[0])

/// The learned greedy policy on every room sequence, driving the network by hand: exact expected return, and the
/// counts of each decision by (day, first visit, bulb) over the sequences that reach it.
let learned =
    use _ = torch.no_grad()
    let net = trainer.Network
    let b = agents * 729 // actor = agent * 729 + sequence
    let mutable hidden = torch.zeros(1L, int64 b, int64 config.GruHidden)
    let bulb = Array.zeroCreate 729
    let been = Array2D.zeroCreate 729 agents
    let ended = Array.zeroCreate 729
    let total = Array.zeroCreate<float> 729
    let table = Collections.Generic.SortedDictionary<(int * bool * bool), int[]>()
    for d in 0 .. days - 1 do
        let obs = Array.zeroCreate<float32> (b * 2)
        for q in 0 .. 728 do
            let row = sequences.[q].[d] * 729 + q
            obs.[row * 2] <- 1.0f
            obs.[row * 2 + 1] <- if bulb.[q] then 1.0f else 0.0f
        let gru = net.RecurrentModules.[0]
        let context = ForwardContext(1, torch.zeros(1L, 1L, int64 b, dtype = torch.ScalarType.Bool)).WithState(gru, hidden)
        let out = net.Forward(torch.tensor(obs).view(1L, 1L, int64 b, 2L), null, context)
        hidden <- context.FinalState gru
        let logits = out.Policy.Primary.contiguous().data<float32>().ToArray()
        for q in 0 .. 728 do
            if not ended.[q] then
                let i = sequences.[q].[d]
                let l = logits.[(i * 729 + q) * 3 .. (i * 729 + q) * 3 + 2]
                let action = if l.[2] > l.[1] && l.[2] > l.[0] then 2 elif l.[1] > l.[0] then 1 else 0
                let key = (d + 1, not been.[q, i], bulb.[q])
                if not (table.ContainsKey key) then table.[key] <- Array.zeroCreate 3
                table.[key].[action] <- table.[key].[action] + 1
                been.[q, i] <- true
                if action = 1 then bulb.[q] <- not bulb.[q]
                if action = 2 then
                    ended.[q] <- true
                    total.[q] <- if been.[q, 0] && been.[q, 1] && been.[q, 2] then 1.0 else -1.0
    Array.average total, table

let exactGreedy, decisions = learned
let evaluation = PolicyEvaluation.Run(trainer, (if fast then 4000 else 20000), EvaluationPolicy.Greedy, 1L)
let returns = evaluation.Returns.[0]
let mean = Array.average returns
let se = sqrt ((returns |> Array.sumBy (fun r -> (r - mean) ** 2.0)) / float (returns.Length - 1)) / sqrt (float returns.Length)
check "the greedy evaluation on fresh episodes agrees with the exact expectation (within 4 standard errors)"
    (abs (mean - exactGreedy) <= 4.0 * se + 1e-12) (sprintf "evaluation %.4f, exact %.4f, se %.4f" mean exactGreedy se)
claim "IPPO (GRU, JaxMARL settings) reaches the optimal protocol's return 0.741" (exactGreedy >= counting - 0.01) (sprintf "exact greedy return %.4f" exactGreedy)
claim "IPPO learns at least the best bulb-free rule (0.535): what prisoners can do without communicating" (exactGreedy >= bulbFreeValue - 1e-9) (sprintf "exact greedy return %.4f = %.0f/729" exactGreedy (exactGreedy * 729.0))

let report = Text.StringBuilder()
report.AppendLine(sprintf "# Switch Riddle (3 prisoners): the learned protocol (%s mode)\n" (if fast then "fast" else "full")) |> ignore
report.Append(sprintf "Best bulb-free rule (no communication): %.4f. " bulbFreeValue) |> ignore
report.AppendLine(sprintf "Optimal (counting) protocol: %.4f. GRU IPPO after %d steps: training return %.4f, exact greedy return %.4f.\n" counting trainer.EnvSteps (trainer.FinalReturns().[0]) exactGreedy) |> ignore
report.AppendLine("Greedy decisions by situation (room sequences reaching it; nothing / toggle / tell):\n") |> ignore
report.AppendLine("| day | first visit | bulb on | nothing | toggle | tell |\n|---:|---|---|---:|---:|---:|") |> ignore
for kv in decisions do
    let (day, first, on) = kv.Key
    report.AppendLine(sprintf "| %d | %b | %b | %d | %d | %d |" day first on kv.Value.[0] kv.Value.[1] kv.Value.[2]) |> ignore
printfn "%s" (report.ToString())
IO.File.WriteAllText(IO.Path.Combine(dir, "protocol.md"), report.ToString())

Chart.combine [
    Chart.Line(curve |> Seq.map fst, curve |> Seq.map snd, Name = "GRU IPPO (training episodes)")
    Chart.Line([ 0.0; float trainer.EnvSteps ], [ counting; counting ], Name = "optimal protocol")
    Chart.Line([ 0.0; float trainer.EnvSteps ], [ exactGreedy; exactGreedy ], Name = "learned greedy policy (exact)") ]
|> Chart.withXAxisStyle "environment steps" |> Chart.withYAxisStyle "return"
|> Chart.withTitle "Switch Riddle, 3 prisoners: IPPO with a GRU"
|> save dir "learning-curve.html"
trainer.Dispose()
finish ()
