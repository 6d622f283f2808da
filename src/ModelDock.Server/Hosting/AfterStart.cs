using Microsoft.Extensions.Hosting;

namespace ModelDock.Server.Hosting;

/// <summary>
/// Work that runs once the host has started, Kestrel included (hosted services' StartAsync runs before the server
/// binds, so loading models there would delay binding the ports), and optional work when it begins to stop. The host
/// reports started, to systemd or the Windows service manager too, only after it has finished.
/// </summary>
internal sealed class AfterStart(Func<CancellationToken, Task> started, Func<Task>? stopping = null) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken) => started(cancellationToken);

    public Task StoppingAsync(CancellationToken cancellationToken) => stopping?.Invoke() ?? Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
