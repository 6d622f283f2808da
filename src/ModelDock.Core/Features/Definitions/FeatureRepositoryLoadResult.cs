using ModelDock.Errors;

namespace ModelDock.Features.Definitions;

/// <summary>Either a valid repository or every error found in it.</summary>
public sealed class FeatureRepositoryLoadResult
{
    internal FeatureRepositoryLoadResult(FeatureRepository? repository, IReadOnlyList<FeatureDefinitionError> errors)
    {
        Repository = repository;
        Errors = errors;
    }

    /// <summary>The repository; null when there are errors.</summary>
    public FeatureRepository? Repository { get; }

    public IReadOnlyList<FeatureDefinitionError> Errors { get; }

    public bool Succeeded => Repository is not null;

    /// <summary>The repository, or <see cref="ErrorKind.InvalidInput"/> listing every error, one per line.</summary>
    public FeatureRepository GetRepositoryOrThrow() =>
        Repository ?? throw ModelDockException.InvalidInput(
            "The feature repository is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, Errors));
}
