/**
 * Typical storage life of common foods, in days from purchase, per place of storage. Sources are
 * the usual consumer guidance (USDA FoodKeeper-style figures, rounded); an estimate the client shows
 * as "estimated", never a promise. `default` is where the food is normally kept.
 */
export const STORAGES = ['pantry', 'fridge', 'freezer'] as const;
export type Storage = (typeof STORAGES)[number];

export const GROUPS = [
  'produce',
  'dairy',
  'meat',
  'fish',
  'bakery',
  'pantry',
  'beverages',
  'frozen',
] as const;
export type Group = (typeof GROUPS)[number];

export interface ShelfLifeEntry {
  group: Group;
  days: Partial<Record<Storage, number>>;
  default: Storage;
}

const entry = (
  group: Group,
  def: Storage,
  pantry?: number,
  fridge?: number,
  freezer?: number,
): ShelfLifeEntry => {
  const days: Partial<Record<Storage, number>> = {};
  if (pantry !== undefined) days.pantry = pantry;
  if (fridge !== undefined) days.fridge = fridge;
  if (freezer !== undefined) days.freezer = freezer;
  return { group, days, default: def };
};

/** By singular, lower-case food name. Columns: default storage, pantry, fridge, freezer. */
export const FOODS: Record<string, ShelfLifeEntry> = {
  // fruit
  apple: entry('produce', 'pantry', 10, 30, 240),
  apricot: entry('produce', 'pantry', 5, 7, 240),
  avocado: entry('produce', 'pantry', 4, 7, 120),
  banana: entry('produce', 'pantry', 5, 7, 90),
  blueberry: entry('produce', 'fridge', 2, 7, 240),
  cherry: entry('produce', 'fridge', 2, 5, 240),
  grape: entry('produce', 'fridge', 3, 7, 240),
  grapefruit: entry('produce', 'pantry', 21, 42, 120),
  kiwi: entry('produce', 'pantry', 7, 21, 120),
  lemon: entry('produce', 'pantry', 21, 42, 120),
  lime: entry('produce', 'pantry', 21, 42, 120),
  mango: entry('produce', 'pantry', 5, 7, 240),
  melon: entry('produce', 'pantry', 7, 10, 240),
  orange: entry('produce', 'pantry', 14, 30, 120),
  peach: entry('produce', 'pantry', 4, 7, 240),
  pear: entry('produce', 'pantry', 7, 14, 240),
  pineapple: entry('produce', 'pantry', 4, 7, 180),
  plum: entry('produce', 'pantry', 5, 7, 240),
  raspberry: entry('produce', 'fridge', 1, 3, 240),
  strawberry: entry('produce', 'fridge', 1, 4, 240),
  watermelon: entry('produce', 'pantry', 10, 14, 240),
  // vegetables
  asparagus: entry('produce', 'fridge', 1, 4, 240),
  broccoli: entry('produce', 'fridge', 1, 5, 360),
  cabbage: entry('produce', 'fridge', 3, 21, 240),
  carrot: entry('produce', 'fridge', 5, 21, 360),
  cauliflower: entry('produce', 'fridge', 2, 7, 360),
  celery: entry('produce', 'fridge', 2, 14, 360),
  corn: entry('produce', 'fridge', 1, 3, 240),
  cucumber: entry('produce', 'fridge', 3, 7),
  eggplant: entry('produce', 'fridge', 3, 7, 240),
  garlic: entry('produce', 'pantry', 90, 120, 360),
  ginger: entry('produce', 'fridge', 7, 21, 180),
  lettuce: entry('produce', 'fridge', 1, 5),
  mushroom: entry('produce', 'fridge', 1, 5, 300),
  onion: entry('produce', 'pantry', 30, 60, 240),
  pepper: entry('produce', 'fridge', 3, 10, 240),
  potato: entry('produce', 'pantry', 30, 60, 300),
  pumpkin: entry('produce', 'pantry', 60, 90, 360),
  spinach: entry('produce', 'fridge', 1, 5, 300),
  tomato: entry('produce', 'pantry', 7, 10, 60),
  zucchini: entry('produce', 'fridge', 2, 5, 240),
  // dairy and eggs
  butter: entry('dairy', 'fridge', 2, 60, 270),
  cheese: entry('dairy', 'fridge', undefined, 21, 180),
  cream: entry('dairy', 'fridge', undefined, 7, 120),
  egg: entry('dairy', 'fridge', undefined, 28),
  milk: entry('dairy', 'fridge', undefined, 7, 90),
  yogurt: entry('dairy', 'fridge', undefined, 14, 60),
  yoghurt: entry('dairy', 'fridge', undefined, 14, 60),
  // meat
  bacon: entry('meat', 'fridge', undefined, 7, 30),
  beef: entry('meat', 'fridge', undefined, 3, 270),
  chicken: entry('meat', 'fridge', undefined, 2, 270),
  ham: entry('meat', 'fridge', undefined, 5, 60),
  mince: entry('meat', 'fridge', undefined, 2, 120),
  pork: entry('meat', 'fridge', undefined, 3, 180),
  sausage: entry('meat', 'fridge', undefined, 3, 60),
  turkey: entry('meat', 'fridge', undefined, 2, 270),
  // fish
  fish: entry('fish', 'fridge', undefined, 2, 180),
  salmon: entry('fish', 'fridge', undefined, 2, 90),
  shrimp: entry('fish', 'fridge', undefined, 2, 180),
  tuna: entry('fish', 'fridge', undefined, 2, 90),
  // bakery
  bagel: entry('bakery', 'pantry', 5, 10, 90),
  bread: entry('bakery', 'pantry', 5, 10, 90),
  cake: entry('bakery', 'pantry', 4, 7, 120),
  croissant: entry('bakery', 'pantry', 2, 7, 60),
  muffin: entry('bakery', 'pantry', 4, 7, 90),
  tortilla: entry('bakery', 'pantry', 7, 30, 180),
  // pantry
  cereal: entry('pantry', 'pantry', 180),
  coffee: entry('pantry', 'pantry', 180, undefined, 730),
  flour: entry('pantry', 'pantry', 240, 365, 730),
  honey: entry('pantry', 'pantry', 730),
  jam: entry('pantry', 'pantry', 365, 180),
  oil: entry('pantry', 'pantry', 365),
  pasta: entry('pantry', 'pantry', 365),
  rice: entry('pantry', 'pantry', 365),
  salt: entry('pantry', 'pantry', 1825),
  sugar: entry('pantry', 'pantry', 730),
  tofu: entry('pantry', 'fridge', undefined, 5, 150),
  // beverages
  juice: entry('beverages', 'fridge', 180, 7, 240),
  soda: entry('beverages', 'pantry', 270),
  water: entry('beverages', 'pantry', 730),
};

/** When the food itself is not known: by category (ours, Open Food Facts-derived, or the user's word). */
export const CATEGORIES: Record<string, ShelfLifeEntry> = {
  produce: entry('produce', 'fridge', 5, 7, 240),
  fruit: entry('produce', 'pantry', 7, 14, 240),
  vegetable: entry('produce', 'fridge', 5, 7, 240),
  veg: entry('produce', 'fridge', 5, 7, 240),
  dairy: entry('dairy', 'fridge', undefined, 7, 90),
  egg: entry('dairy', 'fridge', undefined, 28),
  meat: entry('meat', 'fridge', undefined, 3, 180),
  poultry: entry('meat', 'fridge', undefined, 2, 270),
  fish: entry('fish', 'fridge', undefined, 2, 180),
  seafood: entry('fish', 'fridge', undefined, 2, 180),
  bakery: entry('bakery', 'pantry', 5, 10, 90),
  pantry: entry('pantry', 'pantry', 180),
  canned: entry('pantry', 'pantry', 365),
  snack: entry('pantry', 'pantry', 90),
  beverage: entry('beverages', 'pantry', 180, 7),
  frozen: entry('frozen', 'freezer', undefined, 2, 90),
};
