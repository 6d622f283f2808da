using System.Diagnostics;
using System.Text;

namespace ModelDock.Tests;

/// <summary>
/// The <c>modeldock</c> executable run as a user runs it: its own process, working directory and environment,
/// so that tests of appsettings.json and environment variables change nothing in the test process.
/// </summary>
internal sealed class ModelDockProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();
    private readonly StringBuilder _output = new();

    private ModelDockProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) => Append(_errors, e.Data);
        process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public string Errors => Read(_errors);

    public string Output => Read(_output);

    public bool HasExited => _process.HasExited;

    public static ModelDockProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "modeldock.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new ModelDockProcess(Process.Start(start) ?? throw new InvalidOperationException("modeldock did not start"));
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Ends the process at once, as <c>kill -9</c> or a power cut would: nothing it was writing is finished.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>The dotnet executable that runs the tests (the test host names it), or the one on the PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
