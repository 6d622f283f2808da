namespace ModelDock.Features.Online;

/// <summary>Whether a store answered a probe, and if not, why in words an operator can act on.</summary>
public readonly record struct OnlineStoreHealth(bool IsHealthy, string Description)
{
    public static OnlineStoreHealth Healthy(string description) => new(true, description);

    public static OnlineStoreHealth Unhealthy(string description) => new(false, description);
}
