//! The real objects the fuzzer knows of, to aim its requests at.

use std::collections::BTreeMap;

/// Real ids: by resource (its item path), oldest first, each with the ids
/// of its parents in that path (a grant with its user, a terms version with
/// its contract); and by the name a seed step gave them.
#[derive(Default)]
pub struct Known {
    pools: BTreeMap<&'static str, Vec<Vec<String>>>,
    named: BTreeMap<&'static str, String>,
}

impl Known {
    /// The id a seed step named `name`.
    pub fn id(&self, name: &str) -> &str {
        self.named
            .get(name)
            .unwrap_or_else(|| panic!("no seed step before this body names `{name}`"))
    }

    /// Gives `id` a name.
    pub fn name(&mut self, name: &'static str, id: String) {
        self.named.insert(name, id);
    }

    /// The items of the resource whose item path is `item`: the values of
    /// that path's parameters, the item's own id last.
    pub fn pool(&self, item: &str) -> &[Vec<String>] {
        self.pools.get(item).map_or(&[], Vec::as_slice)
    }

    /// The id of the `n`th item of a resource, round and round.
    pub fn pick(&self, item: &str, n: u64) -> &str {
        let pool = self.pool(item);
        assert!(!pool.is_empty(), "no {item} is seeded before this body");
        let values = &pool[(n % pool.len() as u64) as usize];
        values.last().map_or("", String::as_str)
    }

    /// The item path and path values of each named item.
    pub fn named_items(&self) -> Vec<(&'static str, Vec<String>)> {
        self.named
            .values()
            .filter_map(|id| {
                self.pools.iter().find_map(|(item, pool)| {
                    let values = pool.iter().find(|v| v.last() == Some(id))?;
                    Some((*item, values.clone()))
                })
            })
            .collect()
    }

    /// Makes a real item the newest of its resource, if it is one: what
    /// just took a step is likeliest to take the next.
    pub fn touch(&mut self, item: &str, values: &[String]) {
        if let Some(pool) = self.pools.get_mut(item)
            && let Some(at) = pool.iter().position(|v| v.as_slice() == values)
        {
            let touched = pool.remove(at);
            pool.push(touched);
        }
    }

    /// Remembers a real item of the resource whose item path is `item`.
    pub fn learn(&mut self, item: &'static str, values: Vec<String>) {
        let pool = self.pools.entry(item).or_default();
        if !pool.contains(&values) {
            pool.push(values);
        }
    }
}
