using System.Diagnostics;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Redis.Tests.Features;

/// <summary>A redis-server this test starts and stops itself on a free loopback port, for outage and recovery tests.</summary>
internal sealed class RedisServerProcess : IDisposable
{
    private Process? _process;

    public RedisServerProcess(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static string? Binary => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "redis-server.exe" : "redis-server"))
        .FirstOrDefault(File.Exists);


    public void Start()
    {
        var binary = Binary ?? throw new InvalidOperationException("redis-server is not on PATH.");
        _process = Process.Start(new ProcessStartInfo(binary)
        {
            ArgumentList = { "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();
}

/// <summary>A fact that starts its own redis-server: skipped with the reason when none is on PATH, unless services are required.</summary>
public sealed class RedisServerFactAttribute : FactAttribute
{
    public RedisServerFactAttribute()
    {
        if (RedisServerProcess.Binary is null && !TestServices.Required)
        {
            Skip = "redis-server is not on PATH; install Redis to run this outage-and-recovery test.";
        }
    }
}
