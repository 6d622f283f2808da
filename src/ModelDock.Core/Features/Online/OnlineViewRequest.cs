using System.Text;

namespace ModelDock.Features.Online;

/// <summary>The features wanted from one feature view.</summary>
public sealed class OnlineViewRequest
{
    public OnlineViewRequest(string view, IReadOnlyList<string> features)
    {
        ArgumentException.ThrowIfNullOrEmpty(view);
        ArgumentNullException.ThrowIfNull(features);
        View = view;
        Features = features;
        Utf8Features = [.. features.Select(Encoding.UTF8.GetBytes)];
    }

    public string View { get; }

    public IReadOnlyList<string> Features { get; }

    /// <summary>The names as stored rows spell them, so decoding compares bytes instead of building strings.</summary>
    internal byte[][] Utf8Features { get; }
}
