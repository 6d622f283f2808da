namespace ModelDock.Endpoints;

/// <summary>Where traffic splits draw their numbers; injected, so tests can make a split reproducible.</summary>
public interface ITrafficRandom
{
    /// <summary>A uniformly distributed integer in [0, 100).</summary>
    int NextPercent();
}
