using System.Diagnostics;
using System.Reflection;
using ModelDock.Bench.Serving.Load;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// The <c>modeldock</c> program the benchmark deploys: its apphost (<c>modeldock</c>, <c>modeldock.exe</c>)
/// or, without one, <c>dotnet modeldock.dll</c>. By default it is the build of <c>src/ModelDock</c> in
/// the benchmark's own configuration, which building the benchmark brings up to date.
/// </summary>
internal sealed class ModelDockExecutable
{
    private const string AssemblyFile = "modeldock.dll";

    private readonly string? _dotnet;

    private ModelDockExecutable(string path, string? dotnet)
    {
        Path = path;
        _dotnet = dotnet;
    }

    /// <summary>The apphost or the assembly that runs.</summary>
    public string Path { get; }

    /// <summary><see cref="Path"/> relative to the working directory when it lies below it, for the results file.</summary>
    public string DisplayPath =>
        System.IO.Path.GetRelativePath(Environment.CurrentDirectory, Path) is var relative && !relative.StartsWith("..", StringComparison.Ordinal) && !System.IO.Path.IsPathRooted(relative)
            ? relative
            : Path;

    /// <param name="given">An apphost, an assembly or a folder holding one; null = the repository's build.</param>
    public static ModelDockExecutable Find(string? given)
    {
        var assembly = given switch
        {
            null => Newest(BuildFolder()),
            _ when Directory.Exists(given) => Newest(given),
            _ when File.Exists(given) => given,
            _ => throw new ArgumentException($"--modeldock: '{given}' does not exist."),
        };

        if (!assembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return new ModelDockExecutable(System.IO.Path.GetFullPath(assembly), null);
        }

        var apphost = System.IO.Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
        return File.Exists(apphost)
            ? new ModelDockExecutable(System.IO.Path.GetFullPath(apphost), null)
            : new ModelDockExecutable(System.IO.Path.GetFullPath(assembly), Dotnet());
    }

    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(_dotnet ?? Path);
        if (_dotnet is not null)
        {
            start.ArgumentList.Add(Path);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary><c>src/ModelDock/bin/&lt;configuration&gt;</c> of the repository this benchmark was built from.</summary>
    private static string BuildFolder()
    {
        var configuration = typeof(ModelDockExecutable).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "ModelDock.slnx")))
            {
                return System.IO.Path.Combine(folder.FullName, "src", "ModelDock", "bin", configuration);
            }
        }

        throw new ArgumentException("The benchmark does not run from a ModelDock source tree: give the executable with --modeldock PATH.");
    }

    /// <summary>The most recently built <c>modeldock.dll</c> under <paramref name="folder"/> (runtime-specific output folders included).</summary>
    private static string Newest(string folder) =>
        (Directory.Exists(folder) ? Directory.EnumerateFiles(folder, AssemblyFile, SearchOption.AllDirectories) : [])
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault()
        ?? throw new ArgumentException($"No {AssemblyFile} under {folder}: build it first (dotnet build -c Release src/ModelDock) or give --modeldock PATH.");

    private static string Dotnet()
    {
        var host = Environment.ProcessPath;
        return host is not null && System.IO.Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? host
            : Executables.Find("dotnet") ?? throw new ArgumentException("dotnet is not on the PATH, and modeldock has no apphost to run instead.");
    }
}
