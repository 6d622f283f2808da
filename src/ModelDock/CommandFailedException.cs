namespace ModelDock.Cli;

/// <summary>A failure the command has already explained in one sentence; the CLI prints it and exits with its code.</summary>
internal sealed class CommandFailedException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>One of <see cref="ExitCodes"/>.</summary>
    public int ExitCode { get; } = exitCode;
}
