using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Environments.Mpe;
using Xunit;
using static Hybrid.Scaling.Tests.MpePlacement;

namespace Hybrid.Scaling.Tests;

/// <summary>Puts entities of environment 0 where a hand-worked case needs them, at rest.</summary>
static class MpePlacement
{
    public static void Place(MpeEnv env, int entity, float x, float y)
    {
        env.Position[2 * entity] = x; env.Position[2 * entity + 1] = y;
        env.Velocity[2 * entity] = env.Velocity[2 * entity + 1] = 0;
    }
}

public class MpeTests
{
    const int NoOp = 0, MinusX = 1, PlusX = 2, MinusY = 3, PlusY = 4;


    [Fact]
    public void PositionMovesWithTheOldVelocityThenDampingAndForceUpdateIt()
    {
        using var env = new Simple(1);
        env.Reset(0);
        Place(env, 0, 0, 0); Place(env, 1, 1, 0);
        env.Step(new[] { PlusX });
        Assert.Equal(0f, env.Position[0]);               // pos += old velocity (0) * dt
        Assert.Equal(0.5f, env.Velocity[0], 6);          // vel = 0 * 0.75 + 5 * 0.1
        env.Step(new[] { PlusX });
        Assert.Equal(0.05f, env.Position[0], 6);
        Assert.Equal(0.875f, env.Velocity[0], 6);        // 0.5 * 0.75 + 0.5
        env.Step(new[] { MinusY });
        Assert.Equal(0.1375f, env.Position[0], 6);
        Assert.Equal(0.65625f, env.Velocity[0], 6);
        Assert.Equal(-0.5f, env.Velocity[1], 6);
        // Reward: minus the squared distance to the landmark, from the post-step state; observation vel, landmark - agent.
        var dx = 1 - env.Position[0]; var dy = 0 - env.Position[1];
        Assert.Equal(-(dx * dx + dy * dy), env.Rewards[0], 5);
        Assert.Equal(new[] { env.Velocity[0], env.Velocity[1], dx, dy }, env.Observations(0));
    }

    [Fact]
    public void OverlappingAgentsArePushedApartAndLandmarksNeverMove()
    {
        using var env = new SimpleSpread(1);
        env.Reset(0);
        Place(env, 0, 0, 0); Place(env, 1, 0.2f, 0); Place(env, 2, -0.9f, 0.9f);
        for (var l = 3; l < 6; l++) Place(env, l, 0.5f * (l - 4), -0.8f);
        env.Step(new[] { NoOp, NoOp, NoOp });
        // Penetration 0.1 with margin 1e-3: force 100 * 1e-3 * softplus(100) = 10 along the line of centres, dv = 10 * dt = 1.
        Assert.Equal(-1f, env.Velocity[0], 4);
        Assert.Equal(1f, env.Velocity[2], 4);
        Assert.Equal(0f, env.Velocity[1], 6);
        // Agent 2 is far away: the softplus leaves a force of about 100 * 1e-3 * e^-1000, nothing in float32.
        Assert.Equal(0f, env.Velocity[4]);
        for (var l = 3; l < 6; l++) Assert.Equal(0.5f * (l - 4), env.Position[2 * l]);
    }

    [Fact]
    public void SpreadRewardIsHalfCollisionsHalfCoverage()
    {
        using var env = new SimpleSpread(1);
        env.Reset(0);
        // Agents 0 and 1 overlap (0.2 < 0.3); each landmark sits 0.1 from its nearest agent after the step.
        Place(env, 0, 0, 0); Place(env, 1, 0.2f, 0); Place(env, 2, -0.5f, 0.5f);
        Place(env, 3, 0, 0.1f); Place(env, 4, 0.2f, 0.1f); Place(env, 5, -0.5f, 0.6f);
        env.Step(new[] { NoOp, NoOp, NoOp }); // velocities change, positions not yet (old velocity 0)
        var global = -0.3f;
        Assert.Equal(-0.5f + 0.5f * global, env.Rewards[0], 5);
        Assert.Equal(-0.5f + 0.5f * global, env.Rewards[1], 5);
        Assert.Equal(0.5f * global, env.Rewards[2], 5);
    }

    [Fact]
    public void SpreadObservationIsVelocityPositionLandmarksOthersAndSilentComms()
    {
        using var env = new SimpleSpread(1);
        env.Reset(0);
        Place(env, 0, 0.1f, 0.2f); Place(env, 1, 0.5f, 0.5f); Place(env, 2, -0.5f, -0.5f);
        Place(env, 3, 1, 1); Place(env, 4, 0, 0); Place(env, 5, -1, 0);
        env.Step(new[] { NoOp, NoOp, NoOp });
        var o = env.Observations(1);
        Assert.Equal(18, o.Length);
        Assert.Equal(new[] { 0.5f, 0.5f }, o[2..4]);                                  // own position
        Assert.Equal(new[] { 0.5f, 0.5f, -0.5f, -0.5f, -1.5f, -0.5f }, o[4..10]);    // landmarks - own
        Assert.Equal(new[] { -0.4f, -0.3f, -1f, -1f }, o[10..14].Select(v => MathF.Round(v, 5)).ToArray()); // agents 0 and 2 - own
        Assert.All(o[14..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void EpisodesLastTwentyFiveSteps()
    {
        using var env = EnvRegistry.Create("MPE_simple_spread_v3", 2);
        env.Reset(1);
        for (var t = 1; t <= 50; t++)
        {
            env.Step(new int[6]);
            Assert.Equal(t % 25 == 0, env.AllDones[0]);
        }
    }

    [Fact]
    public void ContinuousActionsPushByTheDifferenceOfOpposingComponents()
    {
        using var env = new Simple(2, actions: MpeActions.Continuous);
        env.Reset(0);
        Place(env, 0, 0, 0); Place(env, 1, 1, 0);
        // Environment 0: full +x and a little -y (0.2 - 0.6); environment 1 (entities at index 2, 3): nothing.
        env.Step(new float[] { 0, 0, 1, 0.6f, 0.2f, 0.3f, 0.5f, 0.5f, 0.5f, 0.5f });
        Assert.Equal(0.5f, env.Velocity[0], 6);
        Assert.Equal(-0.2f, env.Velocity[1], 6);
        Assert.Equal(0f, env.Velocity[4], 6);
        Assert.Contains("action value 1.5 (component 2) of agent 'agent_0' in environment 1 is outside [0, 1]",
            Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(new float[] { 0, 0, 0, 0, 0, 0, 0, 1.5f, 0, 0 })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(new float[] { float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.Contains("expected 10 action values", Assert.Throws<ArgumentException>(() => env.Step(new float[5])).Message);
        Assert.Contains("takes discrete actions", Assert.Throws<InvalidOperationException>(() => new Simple(1).Step(new float[5])).Message);
        Assert.Contains("not discrete actions", Assert.Throws<InvalidOperationException>(() => env.Step(new int[2])).Message);
    }
}

public class MpeScenarioTests
{

    [Fact]
    public void TagRewardsContactsAndPenalisesLeavingTheMap()
    {
        using var env = new SimpleTag(1);
        env.Reset(0);
        Assert.Equal(new[] { "adversary_0", "adversary_1", "adversary_2", "agent_0" }, env.Agents);
        Assert.Equal(new[] { 16, 16, 16, 14 }, Enumerable.Range(0, 4).Select(env.ObservationSize));
        // The good agent (entity 3) at (0.95, 0) touches adversaries 0 and 1 (0.1 apart < 0.075 + 0.05); adversary 2 is far.
        Place(env, 3, 0.95f, 0); Place(env, 0, 0.95f, 0.1f); Place(env, 1, 0.85f, 0); Place(env, 2, -0.8f, -0.8f);
        Place(env, 4, -0.5f, 0.6f); Place(env, 5, 0.3f, -0.7f);
        env.Step(new int[4]);
        Assert.Equal(-20f - 10 * (0.95f - 0.9f), env.Rewards[3], 4);
        Assert.All(env.Rewards[..3], r => Assert.Equal(20f, r));
        Assert.Equal(0f, SimpleTag.BoundPenalty(0.5f));
        Assert.Equal(MathF.Exp(0.4f), SimpleTag.BoundPenalty(-1.2f), 5);
        Assert.Equal(10f, SimpleTag.BoundPenalty(5f));
        // An adversary's observation ends with the good agent's velocity; a good agent's has no velocity part.
        var o = env.Observations(0);
        Assert.Equal(new[] { env.Velocity[6], env.Velocity[7] }, o[14..16]);
    }

    [Fact]
    public void TagSpeedsAreClampedAndObstaclesPushBack()
    {
        using var env = new SimpleTag(1);
        env.Reset(0);
        for (var e = 0; e < 6; e++) Place(env, e, -0.9f + 0.35f * e, 0.9f);
        for (var t = 0; t < 20; t++) env.Step(new[] { 2, 2, 2, 2 });
        float Speed(int i) => MathF.Sqrt(env.Velocity[2 * i] * env.Velocity[2 * i] + env.Velocity[2 * i + 1] * env.Velocity[2 * i + 1]);
        Assert.All(new[] { 0, 1, 2 }, i => Assert.True(Speed(i) <= 1f + 1e-6f, $"adversary {i} at {Speed(i)}"));
        Assert.True(Speed(3) <= 1.3f + 1e-6f);
        // A good agent overlapping an obstacle is pushed away along the line of centres; the obstacle stays.
        Place(env, 3, 0, 0); Place(env, 4, 0.2f, 0);
        for (var a = 0; a < 3; a++) Place(env, a, -0.9f, -0.9f + 0.3f * a);
        Place(env, 5, 0.9f, 0.9f);
        env.Step(new int[4]);
        Assert.Equal(-0.5f, env.Velocity[6], 3); // penetration 0.25 - 0.2 = 0.05: force 5, dv = 0.5
        Assert.Equal(0.2f, env.Position[8]);
    }

    [Fact]
    public void AdversaryRewardsDependOnTheHiddenGoal()
    {
        using var env = new SimpleAdversary(1);
        env.Reset(0);
        Assert.Equal(new[] { 8, 10, 10 }, Enumerable.Range(0, 3).Select(env.ObservationSize));
        env.SetGoal(0, 1);
        // Adversary at 0.3 from the goal landmark, good agents at 0.1 and 0.5.
        Place(env, 3, 0.5f, 0.5f); Place(env, 4, 0, 0);
        Place(env, 0, 0.3f, 0); Place(env, 1, 0, 0.1f); Place(env, 2, -0.5f, 0);
        env.Step(new int[3]);
        Assert.Equal(-0.3f, env.Rewards[0], 5);
        Assert.Equal(0.3f - 0.1f, env.Rewards[1], 5);
        Assert.Equal(env.Rewards[1], env.Rewards[2]);
        // Good agents see the goal first; the adversary does not.
        Assert.Equal(new[] { 0f, -0.1f }, env.Observations(1)[..2].Select(v => MathF.Round(v, 5)).ToArray());
        Assert.Equal(new[] { 0.2f, 0.5f }, env.Observations(0)[..2].Select(v => MathF.Round(v, 5)).ToArray());
        // The goal is uniform over the landmarks at reset.
        using var many = new SimpleAdversary(2000);
        many.Reset(3);
        var ones = Enumerable.Range(0, 2000).Count(e => many.Goal(e) == 1);
        Assert.InRange(ones, 1000 - 5 * 22, 1000 + 5 * 22);
    }
}

public class SimplePushTests
{
    [Fact]
    public void PushRewardsAndObservationsFollowTheGoal()
    {
        using var env = new SimplePush(1);
        env.Reset(0);
        Assert.Equal(new[] { 8, 19 }, Enumerable.Range(0, 2).Select(env.ObservationSize));
        env.SetGoal(0, 0);
        MpePlacement.Place(env, 2, 0, 0); MpePlacement.Place(env, 3, 1, 1);    // landmarks
        MpePlacement.Place(env, 0, 0.5f, 0); MpePlacement.Place(env, 1, 0, -0.4f); // adversary 0.5 away, good agent 0.4 away
        env.Step(new int[2]);
        Assert.Equal(-0.4f, env.Rewards[1], 5);
        Assert.Equal(0.4f - 0.5f, env.Rewards[0], 5);
        var good = env.Observations(1);
        Assert.Equal(new[] { 0f, 0.4f }, good[2..4].Select(v => MathF.Round(v, 5)).ToArray());   // goal relative
        Assert.Equal(new[] { 0.25f, 0.75f, 0.25f }, good[4..7]);                                  // colour: 0.75 at goal + 1
        Assert.Equal(new[] { 0.1f, 0.9f, 0.1f, 0.1f, 0.1f, 0.9f }, good[11..17]);
        Assert.Equal(new[] { 0.5f, 0.4f }, good[17..19].Select(v => MathF.Round(v, 5)).ToArray()); // the adversary relative
    }
}

public class MpeCommunicationTests
{
    [Fact]
    public void SpeakerWordsReachTheListenerInTheSameStep()
    {
        using var env = new SimpleSpeakerListener(1);
        env.Reset(0);
        env.SetGoal(0, 1);
        MpePlacement.Place(env, 1, 0, 0); MpePlacement.Place(env, 3, 0.3f, 0.4f);
        env.Step(new[] { 2, 0 });
        var listener = env.Observations(1);
        Assert.Equal(11, listener.Length);
        Assert.Equal(new[] { 0f, 0f, 1f }, listener[8..11]);
        Assert.Equal(-0.25f, env.Rewards[0], 5);                            // squared distance 0.3^2 + 0.4^2
        Assert.Equal(env.Rewards[0], env.Rewards[1]);
        Assert.Equal(new[] { 0.15f, 0.65f, 0.15f }, env.Observations(0));  // the speaker sees the goal's colour
        Assert.Equal(0f, env.Velocity[0]);                                  // the speaker never moves
    }

    [Fact]
    public void ReferenceActionsMoveAndSpeakAtOnce()
    {
        using var env = new SimpleReference(1);
        env.Reset(0);
        env.SetGoals(0, 2, 0);
        MpePlacement.Place(env, 0, 0, 0); MpePlacement.Place(env, 1, 0.5f, 0);
        MpePlacement.Place(env, 2, 0.5f, 0.3f); MpePlacement.Place(env, 4, 0, 0.6f);
        env.Step(new[] { 5 * 4 + 3, 5 * 7 + 0 });                          // agent 0: -y and word 4; agent 1: no-op and word 7
        Assert.Equal(-0.5f, env.Velocity[1], 6);
        var o0 = env.Observations(0);
        Assert.Equal(new[] { 0.75f, 0.25f, 0.25f }, o0[8..11]);              // agent 1's goal is landmark 0
        Assert.Equal(1f, o0[11 + 7]);                                       // agent 1's word
        Assert.Equal(1f, env.Observations(1)[11 + 4]);
        // Terms: agent 0's is minus agent 1's distance to landmark 0 (0.3), agent 1's minus agent 0's to landmark 2 (0.6).
        Assert.Equal(0.5f * (-0.45f) + 0.5f * -0.3f, env.Rewards[0], 5);
        Assert.Equal(0.5f * (-0.45f) + 0.5f * -0.6f, env.Rewards[1], 5);
    }

    [Fact]
    public void CryptoRewardsCountBobsAndEvesGuesses()
    {
        using var env = new SimpleCrypto(1);
        env.Reset(0);
        env.SetSecret(0, goal: 0, key: 1);
        Assert.Equal(new[] { 255f, 0, 0, 0, 0, 255f, 0, 0 }, env.Observations(1)); // alice: goal, key
        env.Step(new[] { 1, 3, 0 });                                         // eve guesses 1, alice says 3, bob guesses 0
        Assert.Equal(new[] { 0f, 0, 0, 1 }, env.Observations(0));            // eve hears alice
        Assert.Equal(new[] { 0f, 255f, 0, 0, 0, 0, 0, 1 }, env.Observations(2)); // bob: key, alice's word
        Assert.Equal(65026f - 64516f, env.Rewards[1]);
        Assert.Equal(env.Rewards[1], env.Rewards[2]);
        Assert.Equal(-65026f, env.Rewards[0]);
    }
}

public class WorldCommTests
{
    [Fact]
    public void ForestsHideAgentsFromEveryoneButTheLeader()
    {
        using var env = new SimpleWorldComm(1, actions: MpeActions.Discrete);
        env.Reset(0);
        Assert.Equal(new[] { 34, 34, 34, 34, 28, 28 }, Enumerable.Range(0, 6).Select(env.ObservationSize));
        // Forest 0 at (0.5, 0.5) hides agent_0 (entity 4); forest 1 far away; everything else outside the forests.
        var spots = new (float X, float Y)[] { (-0.5f, -0.5f), (-0.6f, 0.2f), (0.2f, -0.6f), (-0.8f, 0.8f), (0.5f, 0.55f), (0, 0.9f), (0.9f, -0.9f), (-0.2f, 0.3f), (0.3f, -0.2f), (0.5f, 0.5f), (-0.9f, -0.95f) };
        for (var i = 0; i < spots.Length; i++) MpePlacement.Place(env, i, spots[i].X, spots[i].Y);
        env.Step(new[] { 5 * 3 + 0, 0, 0, 0, 0, 0 });                    // the leader says word 3 and stays
        var leader = env.Observations(0);
        var adversary = env.Observations(1);
        // Others of adversary_0 (entity 1): 0, 2, 3, 4, 5 at offsets 14.. ; agent_0 (entity 4) is the fourth: offset 20.
        Assert.Equal(new[] { 0f, 0f }, adversary[20..22]);                // hidden in the forest
        Assert.NotEqual(0f, leader[20] + leader[21]);                       // the leader sees it (its others: 1, 2, 3, 4, 5)
        Assert.Equal(new[] { 0f, 0f, 0f, 1f }, adversary[30..34]);         // the leader's word
        Assert.Equal(new[] { -1f, -1f }, adversary[28..30]);               // adversary_0 is in no forest
        var hidden = env.Observations(4);
        Assert.Equal(new[] { 1f, -1f }, hidden[24..26]);                   // agent_0's own forest flags
        Assert.Equal(new[] { 0f, 0f }, hidden[14..16]);                    // from inside the forest it sees nobody outside
    }

    [Fact]
    public void FoodPaysAndTeamContactsPayEveryAdversary()
    {
        using var env = new SimpleWorldComm(1, actions: MpeActions.Discrete);
        env.Reset(0);
        var spots = new (float X, float Y)[] { (0.5f, 0.5f), (-0.5f, 0.5f), (0.5f, -0.5f), (-0.7f, -0.7f), (0, 0), (0.55f, 0.55f), (0.8f, -0.1f), (0, 0.05f), (-0.3f, 0), (-0.9f, 0.9f), (0.9f, 0.9f) };
        for (var i = 0; i < spots.Length; i++) MpePlacement.Place(env, i, spots[i].X, spots[i].Y);
        env.Step(new int[6]);
        // agent_0 at the origin touches food 0 (0.05 < 0.075) and nobody else; agent_1 touches the leader (0.07 < 0.12).
        var food = 2f - 0.05f * 0.05f;
        Assert.Equal(food, env.Rewards[4], 4);
        Assert.Equal(-5f - 0.05f * Distance(spots[5], spots[7]), env.Rewards[5], 4);
        Assert.Equal(5f - 0.1f * Distance(spots[0], spots[5]), env.Rewards[0], 4);
        Assert.Equal(5f - 0.1f * Distance(spots[1], spots[4]), env.Rewards[1], 4);
    }

    static float Distance((float X, float Y) a, (float X, float Y) b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}
