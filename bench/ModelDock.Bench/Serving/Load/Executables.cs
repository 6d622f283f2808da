namespace ModelDock.Bench.Serving.Load;

/// <summary>Finds programs the benchmark starts by name, as a shell would.</summary>
internal static class Executables
{
    /// <summary>The full path of <paramref name="name"/> on the PATH (with <c>.exe</c> on Windows), or null.</summary>
    public static string? Find(string name)
    {
        var fileName = OperatingSystem.IsWindows() ? name + ".exe" : name;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, fileName))
            .FirstOrDefault(File.Exists);
    }
}
