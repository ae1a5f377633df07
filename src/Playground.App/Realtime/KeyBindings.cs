// Which key does what in the window, in one table that both the key handling and the help line are made from.
using Playground.App.Window;

namespace Playground.App.Realtime;

/// <summary>What a key asks the window to do while it shows the generation (not while a prompt is typed).</summary>
public enum WindowAction
{
    EditPrompt,
    PauseResume,
    Restart,
    NewSeed,
    TemperatureUp,
    TemperatureDown,
    TopKUp,
    TopKDown,
    TopPUp,
    TopPDown,
    ReloadShaders,
    ToggleOverlay,
    ScrollToEnd,
    Quit,
}

/// <summary>One key (with exactly these modifiers) and its action; <paramref name="Help"/> groups keys under one label.</summary>
public sealed record KeyBinding(Key Key, KeyModifiers Modifiers, WindowAction Action, string KeyLabel, string Help);

/// <summary>The key table. While a prompt is typed, only Enter (generate), Escape (cancel) and Backspace act.</summary>
public static class KeyBindings
{
    public static IReadOnlyList<KeyBinding> All { get; } =
    [
        new(Key.Enter, KeyModifiers.None, WindowAction.EditPrompt, "Enter", "prompt"),
        new(Key.Space, KeyModifiers.None, WindowAction.PauseResume, "Space", "pause"),
        new(Key.R, KeyModifiers.None, WindowAction.Restart, "R", "restart"),
        new(Key.S, KeyModifiers.None, WindowAction.NewSeed, "S", "seed"),
        new(Key.Up, KeyModifiers.None, WindowAction.TemperatureUp, "↑↓", "temp"),
        new(Key.Down, KeyModifiers.None, WindowAction.TemperatureDown, "↑↓", "temp"),
        new(Key.Right, KeyModifiers.None, WindowAction.TopKUp, "←→", "top-k"),
        new(Key.Left, KeyModifiers.None, WindowAction.TopKDown, "←→", "top-k"),
        new(Key.PageUp, KeyModifiers.None, WindowAction.TopPUp, "PgUp/PgDn", "top-p"),
        new(Key.PageDown, KeyModifiers.None, WindowAction.TopPDown, "PgUp/PgDn", "top-p"),
        new(Key.F5, KeyModifiers.None, WindowAction.ReloadShaders, "F5", "reload"),
        new(Key.R, KeyModifiers.Control, WindowAction.ReloadShaders, "F5", "reload"),
        new(Key.O, KeyModifiers.None, WindowAction.ToggleOverlay, "O", "overlay"),
        new(Key.End, KeyModifiers.None, WindowAction.ScrollToEnd, "End", "follow"),
        new(Key.Escape, KeyModifiers.None, WindowAction.Quit, "Esc", "quit"),
    ];

    /// <summary>The help entries (key label, what it does) while the generation is shown, one per label, in table order.</summary>
    public static IReadOnlyList<(string Key, string Help)> Help { get; } =
        All.Select(binding => (binding.KeyLabel, binding.Help)).Distinct().ToArray();

    /// <summary>The help entries while a prompt is typed.</summary>
    public static IReadOnlyList<(string Key, string Help)> EditingHelp { get; } =
        [("type", "a prompt"), ("Enter", "generate"), ("Backspace", "delete"), ("Esc", "cancel")];

    /// <summary>The action bound to <paramref name="key"/> with exactly <paramref name="modifiers"/>, if any.</summary>
    public static WindowAction? ActionFor(Key key, KeyModifiers modifiers)
    {
        // Shift and the lock keys do not change what a command key means.
        var significant = modifiers & (KeyModifiers.Control | KeyModifiers.Alt | KeyModifiers.Super);
        foreach (var binding in All)
        {
            if (binding.Key == key && binding.Modifiers == significant)
            {
                return binding.Action;
            }
        }

        return null;
    }
}
