using System.Diagnostics;

namespace ModelDock.Fuzz.Engine;

/// <summary>
/// The process's resident set and its peak so far, and after a full collection the managed heap's live bytes (its
/// size less fragmentation) and the bytes the GC keeps committed (the server GC keeps freed space for reuse).
/// </summary>
internal readonly record struct MemorySnapshot(long ResidentBytes, long PeakResidentBytes, long HeapBytes, long GcCommittedBytes)
{
    public static MemorySnapshot Take()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        return new MemorySnapshot(process.WorkingSet64, process.PeakWorkingSet64, gc.HeapSizeBytes - gc.FragmentedBytes, gc.TotalCommittedBytes);
    }

    public override string ToString() =>
        $"RSS {Mib(ResidentBytes)} MiB (peak {Mib(PeakResidentBytes)} MiB), managed heap {Mib(HeapBytes)} MiB live, {Mib(GcCommittedBytes)} MiB committed";

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
