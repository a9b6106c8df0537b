// The Scaling seams in a few lines each: environments are instances (with their options), agents have controllers
// (a learner, a fixed policy), networks are composed of batched modules, and a population of networks is one copy
// dimension. Run: dotnet build -c Release && dotnet fsi notebooks/seams.fsx    (HYBRID_FAST=1 for the fast mode)
#load "setup.fsx"
#r "../artifacts/bin/Release/Hybrid.Scaling.dll"
open Plotly.NET
open Hybrid.Scaling.Algorithms
open Hybrid.Scaling.Distributions
open Hybrid.Scaling.Environments
open Hybrid.Scaling.Networks
open Hybrid.Scaling.Rollouts
open Setup

let dir = outputDir "seams"
let scale n = if fast then n else 10 * n
let curve name (points: ResizeArray<float * float>) = Chart.Line(Seq.map fst points, Seq.map snd points, Name = name)

// 1. IPPO on the egocentric Coin Game: agent_0 learns, agent_1 is a fixed policy (uniformly random moves).
let coinConfig = PpoConfig.For(PpoVariant.Ippo, "coin_game", NumEnvs = 16, NumSteps = 100, LearningRate = 1e-3, TotalTimesteps = int64 (scale 6 * 1600))
let coin = new CoinGame(2 * 16, CoinGameOptions(Egocentric = true))
let ippo = new PpoTrainer(PpoVariant.Ippo, coin, coinConfig, 2, control = [| AgentControl.Learner "agent_0"; AgentControl.Fixed(UniformPolicy(5, 7UL), "agent_1") |])
let coinCurve = ResizeArray()
ippo.Train(fun m -> coinCurve.Add(float m.EnvSteps, Array.average m.["return_agent_0"]))
claim "agent_0 learns against the random co-player" (snd coinCurve.[coinCurve.Count - 1] > snd coinCurve.[0]) (sprintf "return per episode %.2f -> %.2f" (snd coinCurve.[0]) (snd coinCurve.[coinCurve.Count - 1]))

// 2. PPO with a convolutional torso (Conv16 3x3 on the 10x10x4 grid) on MinAtar Breakout, the environment an instance.
let breakoutConfig = PpoConfig.For(PpoVariant.Ppo, "minatar_breakout", NumEnvs = 32, Torso = TorsoKind.Cnn, TotalTimesteps = int64 (scale 8 * 2048))
let breakout = new MinAtar.Breakout(2 * 32)
let cnn = new PpoTrainer(PpoVariant.Ppo, breakout, breakoutConfig, 2)
let breakoutCurve = ResizeArray()
cnn.Train(fun m -> breakoutCurve.Add(float m.EnvSteps, Array.average m.["return"]))
let random = PpoRun.RandomReturn("minatar_breakout", 0L)
check "PPO with a CNN torso learns Breakout above the random policy" (cnn.FinalReturns() |> Array.forall (fun r -> r > 2.0 * random)) (sprintf "final %A, random %.3f" (cnn.FinalReturns()) random)

// 3. OpenES: a population of 256 policies is the copy dimension of one network, evaluated as one batch per step,
//    against tit-for-tat in 10-step IPDs (the best memoryless reply is to cooperate: -1 per step).
let members = 256
let ipd = new IteratedMatrixGame("ipd", IteratedMatrixGame.PrisonersDilemma, members * 2, MatrixGameOptions(InnerSteps = 10))
let population = ActorCritic.Create(NetworkShape([| 5L |], Categorical 2), ActorCriticOptions.Mlp(8, 1), Array.init members int64)
let players = JointPolicy(ipd, [| Controller(AgentGroup(ipd, [| 0 |], members), new NetworkActor(population, Array.init members uint64), false)
                                  Controller(AgentGroup(ipd, [| 1 |], 1), MatrixGameStrategies.TitForTat(), false) |])
let collector = RolloutCollector(players, members)
let rollout = collector.NewRollout 10
let es = new OpenEs(population.ParameterSets.[0].Size, OpenEsConfig(PopSize = members, SigmaInit = 0.3, LrateInit = 0.05), 1UL)
let esCurve = ResizeArray()
for generation in 0 .. scale 15 - 1 do
    let candidates = es.Ask()
    population.ParameterSets.[0].Assign candidates
    collector.Reset(Array.init ipd.NumEnvs (fun e -> uint64 (generation * ipd.NumEnvs + e)))
    collector.Collect rollout
    let rewards = rollout.Groups.[0].Rewards
    let fitness = Array.init members (fun m -> Seq.averageBy (fun k -> float rewards.[k / 2 * (2 * members) + m * 2 + k % 2]) (seq { 0 .. 19 }))
    es.Tell(candidates, fitness)
    esCurve.Add(float generation, Array.average fitness)
claim "the population learns to cooperate with tit-for-tat" (snd esCurve.[esCurve.Count - 1] > snd esCurve.[0]) (sprintf "mean reward per step %.3f -> %.3f" (snd esCurve.[0]) (snd esCurve.[esCurve.Count - 1]))

[ Chart.combine [ curve "agent_0" coinCurve ] |> Chart.withXAxisStyle "environment steps" |> Chart.withYAxisStyle "coin game return (agent_0)"
  Chart.combine [ curve "CNN PPO" breakoutCurve; curve "random" (ResizeArray [ (0.0, random); (fst breakoutCurve.[breakoutCurve.Count - 1], random) ]) ] |> Chart.withXAxisStyle "environment steps" |> Chart.withYAxisStyle "Breakout return"
  Chart.combine [ curve "population mean" esCurve ] |> Chart.withXAxisStyle "generation" |> Chart.withYAxisStyle "IPD reward per step" ]
|> Chart.Grid(1, 3, SubPlotTitles = [ "IPPO, egocentric Coin Game vs a random co-player"; "PPO with a CNN torso, MinAtar Breakout"; "OpenES, 256 networks vs tit-for-tat" ])
|> Chart.withSize (1500, 450) |> save dir "seams"
finish ()
