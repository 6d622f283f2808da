using System.Diagnostics;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// CPU time and memory of another process, read from the OS while it runs: on Linux .NET reads
/// utime + stime from <c>/proc/&lt;pid&gt;/stat</c> and the resident set (VmRSS, peak VmHWM) from
/// <c>/proc/&lt;pid&gt;/status</c>; on Windows the process's times and working set.
/// </summary>
internal static class ProcessUsage
{
    /// <summary>User plus system CPU time in microseconds, or NaN once the process has exited.</summary>
    public static double CpuMicroseconds(Process process)
    {
        try
        {
            return process.TotalProcessorTime.TotalMicroseconds;
        }
        catch (InvalidOperationException)
        {
            return double.NaN;
        }
    }

    /// <summary>The resident set now and its peak since the start, in bytes; NaN once the process has exited.</summary>
    public static (double Resident, double Peak) Memory(Process process)
    {
        try
        {
            process.Refresh();
            return (process.WorkingSet64, process.PeakWorkingSet64);
        }
        catch (InvalidOperationException)
        {
            return (double.NaN, double.NaN);
        }
    }
}
