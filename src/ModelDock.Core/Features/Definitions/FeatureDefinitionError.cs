namespace ModelDock.Features.Definitions;

/// <summary>A problem in a feature repository, located where the YAML says it.</summary>
/// <param name="File">Path of the YAML file.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public sealed record FeatureDefinitionError(string File, long Line, long Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
