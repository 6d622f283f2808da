namespace ModelDock.Registry;

/// <summary>One change of an alias: set (<paramref name="From"/> null), moved, or removed (<paramref name="To"/> null).</summary>
public sealed record AliasMove(string Model, string Alias, long? From, long? To, string By, DateTimeOffset At);
