using System.Globalization;
using System.Runtime.InteropServices;

namespace ModelDock.Bench.Serving;

/// <summary>What a results file says about the machine, so a reader can judge the numbers.</summary>
internal static class MachineInfo
{
    public static string Describe() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average at start: {LoadAverage()}");

    /// <summary>The 1/5/15-minute load averages where the OS reports them (Linux), so a reader can judge the noise.</summary>
    public static string LoadAverage()
    {
        const string LoadAverageFile = "/proc/loadavg";
        return File.Exists(LoadAverageFile)
            ? string.Join(' ', File.ReadAllText(LoadAverageFile).Split(' ').Take(3))
            : "not reported on this OS";
    }
}
