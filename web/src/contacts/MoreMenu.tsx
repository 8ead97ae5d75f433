import { useId, useRef } from 'react';

/** A "⋯" button opening a short menu of actions; choosing one closes the menu. */
export function MoreMenu({ label, items }: { label: string; items: Array<{ label: string; danger?: boolean; onSelect: () => void }> }) {
  const menu = useRef<HTMLDivElement>(null);
  const id = useId();
  return (
    <div className="more-menu">
      <button
        type="button"
        className="button button--icon more-menu-button"
        popoverTarget={id}
        aria-label={label}
        title={label}
        // Runs before the popover opens: place it under the button, right-aligned with it.
        onClick={(event) => {
          const box = event.currentTarget.getBoundingClientRect();
          menu.current?.style.setProperty('top', `${box.bottom + 4}px`);
          menu.current?.style.setProperty('right', `${window.innerWidth - box.right}px`);
        }}
      >
        ⋯
      </button>
      <div ref={menu} id={id} popover="auto" className="more-menu-panel">
        {items.map((item) => (
          <button
            key={item.label}
            type="button"
            className={`more-menu-item${item.danger ? ' more-menu-item--danger' : ''}`}
            onClick={() => {
              menu.current?.hidePopover();
              item.onSelect();
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
    </div>
  );
}
