using System.Globalization;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// Every connection is an open file in the load generator and in the server. .NET raises its soft
/// limit to the hard limit when it starts, and the generators inherit the raised limit from the
/// benchmark, so the hard limit (<c>ulimit -Hn</c>) is what bounds the connection count.
/// </summary>
internal static class OpenFileLimit
{
    /// <summary>Files a process needs besides its connections: runtime, libraries, log and data files.</summary>
    private const int Reserve = 256;

    /// <summary>Throws when this process may not open enough files for <paramref name="connections"/> connections.</summary>
    public static void Ensure(int connections)
    {
        var limit = Current();
        if (limit is { } files && files < connections + Reserve)
        {
            throw new InvalidOperationException(
                $"{connections} connections need about {connections + Reserve} open files per process, but the limit is {files}: " +
                "raise the hard limit (ulimit -Hn, /etc/security/limits.conf or the service's LimitNOFILE) and start the benchmark again.");
        }
    }

    /// <summary>The soft limit on open files on Linux (from <c>/proc/self/limits</c>); null where it is not read.</summary>
    public static long? Current()
    {
        const string Limits = "/proc/self/limits";
        if (!File.Exists(Limits))
        {
            return null;
        }

        var line = File.ReadLines(Limits).FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
