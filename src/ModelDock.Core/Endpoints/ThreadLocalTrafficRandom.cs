namespace ModelDock.Endpoints;

/// <summary>One generator per thread: <see cref="Random"/> is not thread-safe, and a shared lock would serialise every request.</summary>
internal sealed class ThreadLocalTrafficRandom : ITrafficRandom
{
    private readonly ThreadLocal<Random> _random = new(() => new Random());

    public int NextPercent() => _random.Value!.Next(100);
}
