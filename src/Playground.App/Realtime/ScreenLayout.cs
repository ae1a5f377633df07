// Where the window's parts go for a framebuffer size, and the colours they are drawn in.
using Playground.App.Window;

namespace Playground.App.Realtime;

/// <summary>The window's colours. Tests look for some of them in screenshots, so each is used for one purpose only.</summary>
public static class Theme
{
    public static readonly Rgba Background = Rgba.FromHex(0x14171D);
    public static readonly Rgba HeaderBackground = Rgba.FromHex(0x1B1F27);
    public static readonly Rgba PanelBackground = Rgba.FromHex(0x1D222B);
    public static readonly Rgba Border = Rgba.FromHex(0x2E3440);
    public static readonly Rgba GridLine = Rgba.FromHex(0x2A303B);
    public static readonly Rgba GridLabel = Rgba.FromHex(0x5A6372);
    public static readonly Rgba DimText = Rgba.FromHex(0x7B8494);
    public static readonly Rgba LabelText = Rgba.FromHex(0xA3ACBA);
    public static readonly Rgba PromptText = Rgba.FromHex(0x8FBCBB);
    public static readonly Rgba PromptBackground = Rgba.FromHex(0x1A2226);
    public static readonly Rgba GeneratedText = Rgba.FromHex(0xD8DEE9);
    public static readonly Rgba KeyText = Rgba.FromHex(0xE5E9F0);
    public static readonly Rgba Bar = Rgba.FromHex(0xEBCB8B);
    public static readonly Rgba BarTrack = Rgba.FromHex(0x262C36);
    public static readonly Rgba GraphLine = Rgba.FromHex(0x88C0D0);
    public static readonly Rgba ContextBar = Rgba.FromHex(0x81A1C1);
    public static readonly Rgba Good = Rgba.FromHex(0xA3BE8C);
    public static readonly Rgba Pending = Rgba.FromHex(0xD08770);
    public static readonly Rgba Bad = Rgba.FromHex(0xBF616A);
    public static readonly Rgba Caret = GeneratedText.WithAlpha(0.55f);

    public static Rgba For(StatusTone tone) => tone switch
    {
        StatusTone.Good => Good,
        StatusTone.Pending => Pending,
        StatusTone.Bad => Bad,
        _ => LabelText,
    };
}

/// <summary>
/// The regions of the window in framebuffer pixels: a header bar, the generated text, the overlay panel on the right
/// (when shown), and a footer with the status or prompt line above the help. Columns and lines follow from the cell
/// size, so a resize reflows the text.
/// </summary>
/// <param name="Width">Framebuffer width.</param>
/// <param name="Height">Framebuffer height.</param>
/// <param name="Header">The title bar.</param>
/// <param name="TextArea">The wrapped prompt and generated text.</param>
/// <param name="Panel">The overlay; empty (zero width) when hidden.</param>
/// <param name="Footer">The status or prompt line, then the help lines.</param>
/// <param name="Columns">Text columns in <see cref="TextArea"/>.</param>
/// <param name="Lines">Whole text lines in <see cref="TextArea"/>.</param>
public sealed record ScreenLayout(
    int Width,
    int Height,
    PixelRect Header,
    PixelRect TextArea,
    PixelRect Panel,
    PixelRect Footer,
    int Columns,
    int Lines)
{
    public const int Margin = 20;
    public const int HeaderHeight = 36;
    public const int PanelColumns = 40;

    /// <summary>Whether the overlay panel has room.</summary>
    public bool HasPanel => Panel.Width > 0;

    /// <summary>Lays out a <paramref name="width"/> x <paramref name="height"/> framebuffer for cells of the given size.</summary>
    /// <param name="footerLines">Lines of text in the footer: the status or prompt line plus the help lines.</param>
    public static ScreenLayout For(int width, int height, int advance, int lineHeight, bool overlay, int footerLines)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(advance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lineHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(footerLines);
        width = Math.Max(width, 1);
        height = Math.Max(height, 1);

        var header = new PixelRect(0, 0, width, Math.Min(HeaderHeight, height));
        var footerHeight = Math.Min((footerLines * lineHeight) + 20, Math.Max(0, height - header.Height));
        var footer = new PixelRect(0, height - footerHeight, width, footerHeight);
        var top = header.Bottom + 14;
        var bottom = Math.Max(top, footer.Y - 12);

        // The panel takes a fixed number of columns, and gives way entirely when the text would get too narrow.
        var panelWidth = (PanelColumns * advance) + 28;
        var showPanel = overlay && width - panelWidth - (3 * Margin) >= 24 * advance;
        var panel = showPanel
            ? new PixelRect(width - Margin - panelWidth, top, panelWidth, bottom - top)
            : new PixelRect(width - Margin, top, 0, bottom - top);
        var textRight = showPanel ? panel.X - Margin : width - Margin;
        var textArea = new PixelRect(Margin, top + 4, Math.Max(advance, textRight - Margin), Math.Max(lineHeight, bottom - top - 8));
        return new ScreenLayout(
            width,
            height,
            header,
            textArea,
            panel,
            footer,
            Math.Max(1, textArea.Width / advance),
            Math.Max(1, textArea.Height / lineHeight));
    }
}
