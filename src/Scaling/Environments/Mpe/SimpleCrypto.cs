namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_crypto_v3 (JaxMARL simple_crypto.py): nobody moves; alice_0 sees a goal colour and a private key (each one of
/// two 4-vectors [255, 0, 0, 0] or [0, 255, 0, 0], drawn independently at reset; JaxMARL's 0/255 scale), bob_0 sees the
/// key and alice's message, eve_0 only alice's message. Every agent "speaks" (Discrete(4), a one-hot message); bob's
/// and eve's messages are their guesses. With d_i = sum (message_i - goal)^2: alice and bob get d_eve - d_bob, eve gets
/// -d_eve, all zero while every message is zero. Agent order eve, alice, bob.
/// </summary>
public sealed class SimpleCrypto : MpeEnv
{
    const int Eve = 0, Alice = 1, Bob = 2, Bits = 4;
    readonly int[] goalBit, keyBit;

    /// <summary>Creates N worlds.</summary>
    public SimpleCrypto(int numEnvs, int maxSteps = 25, MpeActions actions = MpeActions.Discrete)
        : base(numEnvs, new[] { "eve_0", "alice_0", "bob_0" },
            Enumerable.Repeat(new MpeEntity(0.05f, false, false), 3).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.05f, false, false), 2).ToArray(),
            new Space[] { Box(4), Box(8), Box(8) }, maxSteps, actions,
            Enumerable.Repeat(actions == MpeActions.Discrete ? new Discrete(Bits) : (Space)new Box(0, 1, new[] { Bits }), 3).ToArray(),
            dimC: Bits, silent: new[] { false, false, false })
    {
        goalBit = new int[numEnvs];
        keyBit = new int[numEnvs];
    }

    static Box Box(int size) => new(float.NegativeInfinity, float.PositiveInfinity, new[] { size });

    /// <inheritdoc/>
    public override string Name => "MPE_simple_crypto_v3";

    /// <summary>Which of the two colours is environment e's goal (0 or 1), and which its key.</summary>
    public (int Goal, int Key) Secret(int env) => (goalBit[env], keyBit[env]);

    /// <summary>Sets environment e's goal and key (for hand-worked tests), then rewrites the observations.</summary>
    public void SetSecret(int env, int goal, int key)
    {
        if (goal is not (0 or 1) || key is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(goal), "goal and key are 0 or 1");
        (goalBit[env], keyBit[env]) = (goal, key);
        WriteObservations(env);
    }

    /// <inheritdoc/>
    protected override void ResetScenario(int env)
    {
        goalBit[env] = SplitMix64.Below(ref Random[env], 2);
        keyBit[env] = SplitMix64.Below(ref Random[env], 2);
    }

    /// <inheritdoc/>
    protected override void DecodeDiscrete(int agent, int action, ref float ux, ref float uy, Span<float> message) => message[action] = 1;

    /// <inheritdoc/>
    protected override void DecodeContinuous(int agent, ReadOnlySpan<float> action, ref float ux, ref float uy, Span<float> message) => action.CopyTo(message);

    static float Colour(int bit, int k) => k == bit ? 255f : 0f;

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        var spoken = Comm.AsSpan(env * 3 * Bits, 3 * Bits).IndexOfAnyExcept(0f) >= 0;
        float Miss(int agent)
        {
            var m = Message(env, agent);
            var d = 0f;
            for (var k = 0; k < Bits; k++) { var diff = m[k] - Colour(goalBit[env], k); d += diff * diff; }
            return d;
        }
        float eve = Miss(Eve), bob = Miss(Bob);
        Reward(Alice, env) = Reward(Bob, env) = spoken ? eve - bob : 0;
        Reward(Eve, env) = spoken ? -eve : 0;
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        var alice = Observation(Alice, env);
        var bob = Observation(Bob, env);
        var eve = Observation(Eve, env);
        var said = Message(env, Alice);
        for (var k = 0; k < Bits; k++)
        {
            alice[k] = Colour(goalBit[env], k);
            alice[Bits + k] = Colour(keyBit[env], k);
            bob[k] = Colour(keyBit[env], k);
            bob[Bits + k] = said[k];
            eve[k] = said[k];
        }
    }
}
