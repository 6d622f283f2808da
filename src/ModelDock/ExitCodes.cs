namespace ModelDock.Cli;

/// <summary>
/// Exit codes of every modeldock command, in one place so each failure keeps its own code; the README's
/// "Serving models" section lists them for operators and scripts.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Failed while running (or an unexpected error).</summary>
    public const int Failure = 1;

    /// <summary>
    /// The command line is wrong: unknown command or option, a value that does not parse or is out of range,
    /// missing or conflicting flags. System.CommandLine's own parse errors are mapped to this code too.
    /// </summary>
    public const int Usage = 2;

    /// <summary>An endpoint cannot be bound: its port is in use or needs privileges, or --host is not an address of this machine.</summary>
    public const int CannotListen = 3;

    /// <summary>The model repository is missing or cannot be read (or the demo repository cannot be written).</summary>
    public const int ModelRepository = 4;

    /// <summary>Feature definitions are invalid, or the feature registry or online store in the data folder cannot be read.</summary>
    public const int FeatureStore = 5;

    /// <summary>A service ModelDock depends on (the Redis online store, the server given with --server) cannot be reached, or answered 503.</summary>
    public const int ServiceUnavailable = 6;

    /// <summary>The registry refused: an unknown model, version or alias, or a change the current state forbids (a version an alias uses).</summary>
    public const int Refused = 7;

    /// <summary><c>features check-skew</c> found features whose offline (training) and online (serving) values differ.</summary>
    public const int SkewFound = 8;
}
