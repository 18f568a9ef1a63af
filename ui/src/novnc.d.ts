// noVNC ships no types; the part of its RFB client the live view uses.
declare module "@novnc/novnc" {
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, url: string, options?: { wsProtocols?: string[]; shared?: boolean });
    scaleViewport: boolean;
    focusOnClick: boolean;
    focus(): void;
    disconnect(): void;
  }
}
