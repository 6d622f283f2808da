using ModelDock.Features.Online;
using ModelDock.Repository;
using ModelDock.Tensors;

namespace ModelDock.Features.Assembly;

/// <summary>A feature's status and value for one row, wherever it was read from.</summary>
internal delegate FeatureCell FeatureCellReader(int row, PlannedFeature feature);

/// <summary>One feature of one row as read: its value counts only when <paramref name="Status"/> is Present.</summary>
internal readonly record struct FeatureCell(FeatureStatus Status, FeatureValue Value);

/// <summary>A value missing under <c>on_missing: fail</c>: the element it would fill is left 0.</summary>
internal sealed record MissingFeature(int Row, PlannedInput Input, PlannedFeature Feature, FeatureStatus Status);

/// <summary>
/// Feature values of rows into a plan's model inputs: conversions, defaults and layout. The server's assembly and
/// training-side code (historical retrieval, the skew check) both build tensors here, so a model sees the same
/// tensors for the same values however they were read.
/// </summary>
internal static class AssembledInputs
{
    /// <summary>
    /// Builds <paramref name="input"/> for <paramref name="rows"/> rows. A missing value under <c>fail</c> goes to
    /// <paramref name="onMissing"/>, which may throw to stop; otherwise the element stays 0.
    /// </summary>
    public static Tensor Build(PlannedInput input, int rows, FeatureCellReader cells, Action<MissingFeature> onMissing)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(onMissing);
        var width = input.Width;
        var data = new byte[rows * width * input.DataType.ElementSize()];
        for (var f = 0; f < input.Features.Count; f++)
        {
            var feature = input.Features[f];
            for (var r = 0; r < rows; r++)
            {
                var index = (r * width) + f;
                var cell = cells(r, feature);
                if (cell.Status == FeatureStatus.Present)
                {
                    FeatureConversions.Write(data, index, input.DataType, cell.Value);
                }
                else if (feature.OnMissing == MissingFeaturePolicy.Default)
                {
                    FeatureConversions.WriteDefault(data, index, input.DataType, feature.Default);
                }
                else
                {
                    onMissing(new MissingFeature(r, input, feature, cell.Status));
                }
            }
        }

        long[] shape = input.Rank == 1 ? [rows] : [rows, width];
        return Tensor.FromRaw(input.Name, input.DataType, shape, data);
    }
}
