/**
 * When the extension's code started to run. main.ts imports this module first, so the time is
 * taken before the rest of the bundle's modules evaluate; activate() logs how long it took from
 * here, which the e2e run prints as the activation time.
 */
export const ACTIVATION_CLOCK = { codeLoaded: performance.now() };
