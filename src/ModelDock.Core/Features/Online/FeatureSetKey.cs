namespace ModelDock.Features.Online;

/// <summary>
/// What identifies a request's feature list for the resolution cache, compared element by element so a
/// lookup costs no string building; the cached copy owns its list so callers may reuse theirs.
/// </summary>
internal readonly struct FeatureSetKey : IEquatable<FeatureSetKey>
{
    private readonly IReadOnlyList<string>? _features;
    private readonly string? _service;
    private readonly bool _fullNames;
    private readonly int _hash;

    public FeatureSetKey(OnlineFeaturesRequest request)
    {
        _features = request.Features;
        _service = request.FeatureService;
        _fullNames = request.FullFeatureNames;
        var hash = new HashCode();
        hash.Add(_service);
        hash.Add(_fullNames);
        if (_features is not null)
        {
            for (var i = 0; i < _features.Count; i++)
            {
                hash.Add(_features[i]);
            }
        }

        _hash = hash.ToHashCode();
    }

    private FeatureSetKey(FeatureSetKey key, string[]? features)
    {
        _features = features;
        _service = key._service;
        _fullNames = key._fullNames;
        _hash = key._hash;
    }

    /// <summary>A key that no longer refers to the caller's list.</summary>
    public FeatureSetKey Detach() => new(this, _features?.ToArray());

    public bool Equals(FeatureSetKey other)
    {
        if (_hash != other._hash || _fullNames != other._fullNames || !string.Equals(_service, other._service, StringComparison.Ordinal))
        {
            return false;
        }

        if (_features is null || other._features is null)
        {
            return _features is null && other._features is null;
        }

        if (_features.Count != other._features.Count)
        {
            return false;
        }

        for (var i = 0; i < _features.Count; i++)
        {
            if (!string.Equals(_features[i], other._features[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is FeatureSetKey other && Equals(other);

    public override int GetHashCode() => _hash;
}
