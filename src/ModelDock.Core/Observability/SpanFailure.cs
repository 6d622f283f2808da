using System.Diagnostics;
using ModelDock.Errors;

namespace ModelDock.Observability;

/// <summary>
/// Marks a span failed. <c>error.type</c> is set for every failure; the status is Error only for the server's own
/// faults, as OpenTelemetry's HTTP server conventions leave 4xx unset: a client's mistake is not the server's error.
/// </summary>
internal static class SpanFailure
{
    // Cached so that tagging a failure does not format the enum each time.
    private static readonly string[] KindNames = Enum.GetNames<ErrorKind>();

    public static void Record(Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }

        if (error is ModelDockException { Kind: var kind })
        {
            activity.SetTag(SpanAttributeNames.ErrorType, (uint)kind < (uint)KindNames.Length ? KindNames[(int)kind] : kind.ToString());
            if (IsServerFault(kind))
            {
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }

            return;
        }

        activity.SetTag(SpanAttributeNames.ErrorType, error.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
    }

    /// <summary>The kinds that answer 5xx: a fault inside ModelDock, a dependency that is down, a deadline it missed.</summary>
    public static bool IsServerFault(ErrorKind kind) => kind is ErrorKind.Internal or ErrorKind.Unavailable or ErrorKind.Timeout;
}
