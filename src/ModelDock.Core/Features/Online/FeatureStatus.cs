namespace ModelDock.Features.Online;

/// <summary>Why a value in an online response is what it is; numbered and spelled as Feast's FieldStatus.</summary>
public enum FeatureStatus : byte
{
    Present = 1,
    NullValue = 2,
    NotFound = 3,

    /// <summary>The stored value is older than the view's TTL at read time; it is not served.</summary>
    OutsideMaxAge = 4,
}

public static class FeatureStatuses
{
    private static readonly string[] WireNames = ["INVALID", "PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE"];

    /// <summary>Feast's spelling, e.g. <c>OUTSIDE_MAX_AGE</c>.</summary>
    public static string ToWireName(this FeatureStatus status) => WireNames[(int)status];
}
