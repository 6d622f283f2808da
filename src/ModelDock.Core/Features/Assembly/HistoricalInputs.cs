using System.Globalization;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;
using ModelDock.Tensors;

namespace ModelDock.Features.Assembly;

/// <summary>
/// A model's assembled inputs from historical retrieval instead of the online store: what the model would have been
/// served at each entity row's time, built by <see cref="AssembledInputs"/> like the server's assembly. A null
/// (nothing within the view's TTL) counts as missing, as the online store's NOT_FOUND and OUTSIDE_MAX_AGE do.
/// </summary>
internal static class HistoricalInputs
{
    /// <summary>Retrieves each feature the plan reads once, named <c>view__feature</c>, from <paramref name="definitions"/> (the service's).</summary>
    public static HistoricalFeatureRequest Request(FeatureAssemblyPlan plan, FeatureRepository definitions)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var features = plan.Inputs.SelectMany(i => i.Features).Select(f => f.Reference).Distinct().ToList();
        return new HistoricalFeatureRequest(definitions, features, FullFeatureNames: true);
    }

    /// <summary>The plan's inputs for every row of <paramref name="result"/>, which <see cref="Request"/> retrieved.</summary>
    public static IReadOnlyList<Tensor> Build(
        FeatureAssemblyPlan plan, FeatureRepository definitions, HistoricalFeatureResult result, Action<MissingFeature> onMissing)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(result);
        var columns = new Dictionary<FeatureReference, (int Column, FeatureValueType Type)>();
        foreach (var reference in plan.Inputs.SelectMany(i => i.Features).Select(f => f.Reference).Distinct())
        {
            var type = definitions.GetFeatureView(reference.View).FindField(reference.Feature)!.Dtype;
            columns[reference] = (result.ColumnIndex(reference.FullName), type);
        }

        return [.. plan.Inputs.Select(input => AssembledInputs.Build(
            input,
            result.Rows.Count,
            (r, feature) =>
            {
                var (column, type) = columns[feature.Reference];
                return result.Rows[r][column] is { } value
                    ? new FeatureCell(FeatureStatus.Present, FromOffline(value, type))
                    : new FeatureCell(FeatureStatus.NotFound, default);
            },
            onMissing))];
    }

    /// <summary>A retrieved value, which the offline store already cast to the declared type, as the online store holds it.</summary>
    private static FeatureValue FromOffline(object value, FeatureValueType type) => type switch
    {
        FeatureValueType.Int32 => FeatureValue.FromInt32(Convert.ToInt32(value, CultureInfo.InvariantCulture)),
        FeatureValueType.Int64 => FeatureValue.FromInt64(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        FeatureValueType.Float => FeatureValue.FromFloat(Convert.ToSingle(value, CultureInfo.InvariantCulture)),
        FeatureValueType.Double => FeatureValue.FromDouble(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        FeatureValueType.Bool => FeatureValue.FromBool((bool)value),
        _ => throw new InvalidOperationException($"a {type.ToYamlName()} feature cannot fill a model input"),
    };
}
