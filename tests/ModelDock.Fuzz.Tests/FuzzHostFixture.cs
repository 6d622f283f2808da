using Xunit;

namespace ModelDock.Fuzz.Tests;

/// <summary>One fuzz host for the slice: starting ModelDock and loading its models once keeps the minute for inputs.</summary>
public sealed class FuzzHostFixture : IAsyncLifetime
{
    internal FuzzHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await FuzzHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
